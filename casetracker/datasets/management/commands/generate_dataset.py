"""Write the shipped fixtures: reference data and the published-figures dataset."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from casetracker.datasets.published import DEFAULT_SEED
from casetracker.datasets.published.fixtures import write


class Command(BaseCommand):
    help = "Generate fixtures/01_reference.json and fixtures/02_published_cases.json (same seed, same files)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "fixtures")

    def handle(self, *args, seed: int, output: Path, **options):
        for path, count in write(output, seed):
            self.stdout.write(f"{path}: {count} objects")
