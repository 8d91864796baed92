"""Write the shipped fixtures: reference data and the published-figures dataset."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from casetracker.cases import published_dataset
from casetracker.cases.shipped_data import FILES


def render(rows: list[dict]) -> str:
    """One object a line: stable, readable and diffable."""
    lines = ",\n".join(json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows)
    return f"[\n{lines}\n]\n"


class Command(BaseCommand):
    help = "Generate fixtures/01_reference.json and fixtures/02_published_cases.json (same seed, same files)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=published_dataset.DEFAULT_SEED)
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "fixtures")

    def handle(self, *args, seed: int, output: Path, **options):
        reference, cases = published_dataset.build(seed)
        output.mkdir(parents=True, exist_ok=True)
        for key, rows in (("reference", reference), ("cases", cases)):
            path = output / FILES[key]
            path.write_text(render(rows), encoding="utf-8")
            self.stdout.write(f"{path}: {len(rows)} objects")
