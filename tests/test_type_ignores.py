"""Every `# type: ignore` in the package names its error code and says why.

mypy --strict runs in .ci/run; a silenced error without a reason is how a real bug
hides (docs/architecture.md, "Layers")."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "appeals_tui"
REASONED = re.compile(r"# type: ignore\[[a-z-]+(, [a-z-]+)*\]  # \S")


def test_every_type_ignore_has_a_code_and_a_reason():
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line and not REASONED.search(line)
    ]
    assert not bad, bad
