"""No Python module in casetracker/ (migrations aside) is over 600 lines: each can be read at once.

A module past the limit is split by concept (as cases/admin/ and imports/ are), not given an
exception here.
"""

from pathlib import Path

import casetracker

MAX_LINES = 600
ROOT = Path(casetracker.__file__).parent


def module_lengths() -> dict[str, int]:
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


def test_no_module_is_over_the_limit():
    too_long = {name: lines for name, lines in module_lengths().items() if lines > MAX_LINES}
    listed = ", ".join(f"casetracker/{name} ({lines})" for name, lines in too_long.items())
    assert not too_long, f"over {MAX_LINES} lines, split them: {listed}"


def test_the_count_sees_the_modules():
    """The walk finds the packages' modules and leaves the migrations out."""
    names = module_lengths()
    assert "cases/admin/incidents.py" in names and "imports/importer.py" in names
    assert not any("migrations" in name for name in names)
