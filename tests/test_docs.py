"""The repository explains itself: every CLI command is in docs/cli.md (and every
documented command exists); the docs the README links to exist; no code cites a
design file that is not in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import click

from appeals_tui.cli import cli

ROOT = Path(__file__).parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"


def _commands(group: click.Group, prefix: str = "appeals") -> set[str]:
    found: set[str] = set()
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found |= _commands(command, path)
        else:
            found.add(path)
    return found


def _documented() -> set[str]:
    """`appeals a b` from each table row of docs/cli.md that starts with a command."""
    found: set[str] = set()
    for line in CLI_DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(appeals[^`]*)`", line)
        if not m:
            continue
        words = []
        for word in m.group(1).split():
            word = word.strip("[]")  # `notice [show] DECISION`: show is the default
            if not re.fullmatch(r"[a-z]+", word):
                break
            words.append(word)
        found.add(" ".join(words))
    return found


def test_every_command_is_documented():
    missing = sorted(_commands(cli) - _documented())
    assert not missing, f"add these to docs/cli.md: {missing}"


def test_every_documented_command_exists():
    def groups(group: click.Group, prefix: str = "appeals") -> set[str]:
        out = {prefix}
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                out |= groups(command, f"{prefix} {name}")
        return out

    unknown = sorted(_documented() - _commands(cli) - groups(cli))
    assert not unknown, f"docs/cli.md names commands that do not exist: {unknown}"


def test_readme_is_short_and_its_links_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    for target in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)", readme):
        assert (ROOT / target).is_file(), target


def test_no_code_cites_a_design_file_outside_the_repository():
    cited = [
        str(path.relative_to(ROOT))
        for folder in ("appeals_tui", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "test_docs.py" and "DESIGN.md" in path.read_text(encoding="utf-8")
    ]
    assert not cited, cited
