"""The house's layout holds: utils/ is packages in layers, imports run one way, cards stay thin.

Layers, lowest first; a package imports only from its own package and from lower layers, and
packages in one layer are independent of each other. Command lines (`cli.py`, `*_cli.py`,
`__main__.py`) sit on top of everything and are exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = (
    ("core",),
    ("spreads", "tastytrade", "project"),
    ("journal", "sim"),
    ("records",),
    ("judge",),
    ("broker",),
)
LAYER_OF = {package: level for level, packages in enumerate(LAYERS) for package in packages}
ENTRY_POINTS = ("cli.py", "__main__.py")
UI_MODULES = ("dash", "flask", "plotly", "dash_bootstrap_components", "dash_ag_grid")
CARD_FORBIDDEN = ("requests", "sqlite3")


def _imports(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return modules


def _utils_modules() -> list[Path]:
    return sorted((ROOT / "utils").rglob("*.py"))


def test_utils_holds_only_the_layered_packages():
    top = {p.name for p in (ROOT / "utils").iterdir() if not p.name.startswith(("__", "."))}
    assert top == set(LAYER_OF), "every module lives in one package named in LAYERS"


@pytest.mark.parametrize("path", _utils_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_down_the_layers(path):
    package = path.relative_to(ROOT / "utils").parts[0]
    if package == "__init__.py" or path.name.endswith(ENTRY_POINTS):
        return
    upward = []
    for module in _imports(path):
        parts = module.split(".")
        if parts[0] != "utils" or len(parts) < 2 or parts[1] == package:
            continue
        if LAYER_OF[parts[1]] >= LAYER_OF[package]:
            upward.append(module)
    assert upward == [], f"{package} may not import {upward}"


@pytest.mark.parametrize("path", _utils_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_utils_never_imports_the_ui_or_components(path):
    roots = {module.split(".")[0] for module in _imports(path)}
    assert roots.isdisjoint({*UI_MODULES, "components", "app_dash"})


@pytest.mark.parametrize("path", sorted((ROOT / "components").rglob("*.py")), ids=lambda p: p.name)
def test_cards_never_talk_to_http_or_sqlite_directly(path):
    roots = {module.split(".")[0] for module in _imports(path)}
    assert roots.isdisjoint(CARD_FORBIDDEN)
