"""The shipped dataset's files in fixtures/, one object a line (``manage.py generate_dataset``)."""

import json
from pathlib import Path

from casetracker.cases.shipped_data import FILES

from .plan import DEFAULT_SEED
from .rows import build


def render(rows: list[dict]) -> str:
    """One object a line: stable, readable and diffable."""
    lines = ",\n".join(json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows)
    return f"[\n{lines}\n]\n"


def write(output: Path, seed: int = DEFAULT_SEED) -> list[tuple[Path, int]]:
    """Write the reference file and the cases file into ``output``; each path with its object count."""
    reference, cases = build(seed)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for key, rows in (("reference", reference), ("cases", cases)):
        path = output / FILES[key]
        path.write_text(render(rows), encoding="utf-8")
        written.append((path, len(rows)))
    return written
