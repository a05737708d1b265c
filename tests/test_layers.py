"""Imports point downward only: domain <- store <- services <- ui/cli (DESIGN.md "Layers")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "appeals_tui"

#: For each layer, the sibling layers it must never import.
FORBIDDEN = {
    "domain": {"store", "services", "ui", "cli", "commands"},
    "store": {"services", "ui", "cli", "commands"},
    "services": {"ui", "cli", "commands"},
}


def _imports(path: Path) -> set[str]:
    """Top-level appeals_tui sub-packages a module imports (absolute or relative)."""
    found: set[str] = set()
    layer_depth = len(path.relative_to(PACKAGE).parts) - 1
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("appeals_tui."):
                found.add(node.module.split(".")[1])
            elif node.level > layer_depth and node.module:
                found.add(node.module.split(".")[0])
            elif node.level > layer_depth:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("appeals_tui."):
                    found.add(alias.name.split(".")[1])
                if alias.name.split(".")[0] == "textual":
                    found.add("textual")
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "textual"
        ):
            found.add("textual")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down(layer):
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        wrong = _imports(path) & (FORBIDDEN[layer] | {"textual"})
        if wrong:
            bad.append(f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}")
    assert not bad, bad


def test_core_runs_without_textual():
    code = (
        "import sys, pkgutil, importlib, appeals_tui.domain, appeals_tui.store, appeals_tui.services\n"
        "for pkg in (appeals_tui.domain, appeals_tui.store, appeals_tui.services):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "assert 'textual' not in sys.modules, 'textual was imported by the core'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)
