"""Imports point downward only: domain <- store <- services <- ui/cli (docs/architecture.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "appeals_tui"


def test_import_contracts_hold():
    """The layer and boundary contracts in pyproject.toml (import-linter, also run by
    .ci/run); the tests below check what a static import graph cannot."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_core_runs_without_textual():
    code = (
        "import sys, pkgutil, importlib, appeals_tui.domain, appeals_tui.store, appeals_tui.services\n"
        "for pkg in (appeals_tui.domain, appeals_tui.store, appeals_tui.services):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "assert 'textual' not in sys.modules, 'textual was imported by the core'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


#: The store modules services may import: the protocol, its declared schema, the
#: factory that picks a backend (it imports backends only when one is opened), the
#: content-addressed media file store every backend keeps image bytes in, the audit
#: chain's head format, and the loader of the shipped data files.
STORE_SEAM = {"protocol", "schema", "factory", "media", "audit", "shipped"}


def _store_imports(path: Path) -> set[str]:
    """appeals_tui.store modules (or names of the package) a module imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level not in (0, 2):  # services/x.py: `..` is the package
                continue
            module = node.module if node.level == 0 else "appeals_tui." + node.module
            if module == "appeals_tui.store":
                found.update(f"store.{alias.name}" for alias in node.names)
            elif module.startswith("appeals_tui.store."):
                found.add(module.split(".")[2])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("appeals_tui.store"):
                    found.add(alias.name.split(".")[2] if alias.name.count(".") > 1 else "store")
    return found


def test_services_know_only_the_store_protocol():
    bad = []
    for path in sorted((PACKAGE / "services").rglob("*.py")):
        wrong = _store_imports(path) - STORE_SEAM
        if wrong:
            bad.append(f"{path.relative_to(PACKAGE)} imports store {sorted(wrong)}")
    assert not bad, bad


def test_importing_the_services_loads_no_storage_backend():
    code = (
        "import sys, pkgutil, importlib, appeals_tui.services\n"
        "for m in pkgutil.iter_modules(appeals_tui.services.__path__):\n"
        "    importlib.import_module('appeals_tui.services.' + m.name)\n"
        "seam = {'appeals_tui.store', 'appeals_tui.store.protocol', 'appeals_tui.store.schema',\n"
        "        'appeals_tui.store.factory', 'appeals_tui.store.audit', 'appeals_tui.store.media',\n"
        "        'appeals_tui.store.shipped',\n"
        # the media store writes its files with the workspace's safe-write helpers
        "        'appeals_tui.store.files'}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('appeals_tui.store') and m not in seam)\n"
        "assert not loaded, loaded\n"
        "assert 'tinydb' not in sys.modules, 'tinydb was imported by the services'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)
