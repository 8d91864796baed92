"""The floors of docs/architecture.md: a module of casetracker imports only from its own app or
from an app on a lower floor, never up, and the apps of one floor never import each other.

Read from the source with `ast`, so a lazy import inside a function counts as much as one at
the top of the module.
"""

import ast
from pathlib import Path

import casetracker

ROOT = Path(casetracker.__file__).parent

# The floor of each app, from the ground up (docs/architecture.md). `datasets` is tooling: it may
# read every floor, and nothing of the product imports it (production does not install it).
FLOORS = {
    "core": 1,
    "accounts": 2,
    "audit": 3,
    "cases": 4,
    "reports": 5,
    "imports": 5,
    "workflow": 5,
    "documents": 5,
    # releases freeze the reports' figures; the API serves reports, incidents and releases.
    "releases": 6,
    "api": 7,
    "datasets": 8,
}


def imported_apps(path: Path) -> list[tuple[int, str]]:
    """(line, app) for every `casetracker.<app>` the module imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, name.split(".")[1]) for name in names if name.startswith("casetracker.")]
    return found


def upward_imports() -> list[str]:
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        app = path.relative_to(ROOT).parts[0]
        if app not in FLOORS:
            continue  # the settings, urls.py, site.py: the top floor, which may import any app
        for line, target in imported_apps(path):
            if target == app:
                continue
            if target not in FLOORS or FLOORS[target] >= FLOORS[app]:
                wrong.append(f"{path.relative_to(ROOT.parent)}:{line} ({app}, floor {FLOORS[app]}) imports {target}")
    return wrong


def test_every_app_belongs_to_a_floor():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= set(FLOORS), f"apps without a floor in FLOORS and docs/architecture.md: {apps - set(FLOORS)}"


def test_no_module_imports_up_or_sideways():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The check above can fail: a core module that imports the reports is caught."""
    planted = tmp_path / "casetracker"
    (planted / "core").mkdir(parents=True)
    (planted / "core" / "planted.py").write_text("def f():\n    from casetracker.reports import engine\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", planted)
    assert upward_imports() == ["casetracker/core/planted.py:2 (core, floor 1) imports reports"]
