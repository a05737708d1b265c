"""Ranked precedents with their reasoning (moderator-written, so shown literally)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from ...domain.similarity import RankedPrecedent
from ..text import visible

__all__ = ["PrecedentsList", "precedents_text"]


def precedents_text(ranked: Sequence[RankedPrecedent], *, note: str = "") -> Text:
    """Each precedent: id, likeness, action, clauses, marks and reasoning (literal)."""
    out = Text()
    if note:
        out.append(note + "\n", style="dim")
    if not ranked:
        out.append("No standing precedents yet.", style="dim")
        return out
    for item in ranked:
        d = item.record
        clauses = ", ".join(f"{c.id} v{c.version}" for c in d.clause_refs)
        out.append(f"{d.decision_id}", style="bold")
        out.append(f"  {item.similarity:.0%} alike  ")
        out.append(d.action, style="reverse")
        out.append(f"  {clauses}")
        if item.canonical:
            out.append("  ★ canonical", style="bold yellow")
        if item.linked:
            out.append("  ⛓ linked account", style="bold magenta")
        out.append(f"\n  {visible(d.moderator)} · {d.decided_at[:10]}", style="dim")
        if item.linked:
            out.append(f" · @{visible(d.account)}", style="dim")
        out.append(f" · case {d.case_id}\n", style="dim")
        out.append("  " + visible(d.reasoning).replace("\n", "\n  ") + "\n")
        if d.divergence_reason:
            out.append("  diverged: ", style="italic")
            out.append(visible(d.divergence_reason) + "\n")
    return out


class PrecedentsList(Static):
    def show(self, ranked: Sequence[RankedPrecedent], note: str = "") -> None:
        """Show `ranked` with an optional note on how they were chosen."""
        self.update(precedents_text(ranked, note=note))
