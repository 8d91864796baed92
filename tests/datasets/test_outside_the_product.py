"""The dataset tooling stays outside the product: no module of casetracker/ imports it, so
production, which does not install it (tests/test_settings.py), cannot come to need it."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DATASETS = ROOT / "casetracker" / "datasets"


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """The modules a file imports, relative imports resolved against its package."""
    package = list(path.relative_to(root).with_suffix("").parts[:-1])
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            parts = base + (node.module.split(".") if node.module else [])
            modules.add(".".join(parts))
            modules.update(".".join([*parts, alias.name]) for alias in node.names)
    return modules


def is_datasets(module: str) -> bool:
    return module.split(".")[:2] == ["casetracker", "datasets"]


def test_no_module_of_the_product_imports_the_datasets_app():
    importing = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "casetracker").rglob("*.py"))
        if DATASETS not in path.parents and any(map(is_datasets, imported_modules(path)))
    ]
    assert importing == []


def test_the_check_sees_absolute_and_relative_imports_of_the_datasets_app(tmp_path):
    module = tmp_path / "casetracker" / "cases" / "module.py"
    module.parent.mkdir(parents=True)
    for source in (
        "import casetracker.datasets.synthetic",
        "from casetracker.datasets.published import build",
        "from ..datasets import published",
        "from .. import datasets",
    ):
        module.write_text(source + "\n")
        assert any(map(is_datasets, imported_modules(module, tmp_path))), source
    module.write_text("from . import models\nfrom casetracker.core import dates\n")
    assert not any(map(is_datasets, imported_modules(module, tmp_path)))
