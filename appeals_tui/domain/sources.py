"""How a case's content reached review, read from its reports' reporters.

One rule for every output that states it (notices, statements of reasons), so a
trusted flagger's report is never called a user report in one and not the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["SOURCE_PREFIXES", "detection_sources", "sor_source_key"]

#: Reporter name prefixes that say how a report reached us (anyone else: a user report).
SOURCE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tf_", "trusted_flagger"),
    ("trusted_flagger", "trusted_flagger"),
    ("auto_", "automated"),
)

#: Which detection source a statement of reasons names when there were several: a notice
#: from a trusted flagger is what DSA Art. 22 asks to be labelled as such.
_SOR_PRECEDENCE = ("trusted_flagger", "user_report", "automated")


def detection_sources(reports: Iterable[Mapping[str, Any]]) -> list[str]:
    """Distinct sources in report order: tf_ or trusted_flagger… a trusted flagger,
    auto_ automated, anyone else a user report."""
    kinds: list[str] = []
    for report in reports:
        reporter = str(report.get("reporter") or "").lower()
        kind = next((k for prefix, k in SOURCE_PREFIXES if reporter.startswith(prefix)), None)
        kind = kind or "user_report"
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def sor_source_key(sources: Sequence[str]) -> str | None:
    """The one source a statement of reasons reports (a key of sor.json `source_types`)."""
    return next((k for k in _SOR_PRECEDENCE if k in sources), None)
