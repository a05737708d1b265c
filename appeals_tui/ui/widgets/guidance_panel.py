"""What the rubric recommends for the current factor profile, and why."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...domain.guidance import Guidance

__all__ = ["GuidancePanel", "guidance_text"]


def guidance_text(guidance: Guidance | None, *, note: str = "") -> Text:
    """What the rubric recommends and why (or `note` when there is nothing yet)."""
    if guidance is None:
        return Text(note or "Answer the factors to see guidance.", style="dim")
    out = Text()
    out.append("Guidance: ", style="bold")
    out.append(guidance.action, style="bold reverse")
    out.append(f" under {guidance.clause_id} v{guidance.clause_version}\n")
    out.append(f"rule {guidance.rule_id} — {guidance.rule_name}", style="dim")
    if guidance.jurisdiction_override:
        out.append(f" (override for {guidance.jurisdiction})", style="dim")
    out.append(f"\n{guidance.explanation}")
    if guidance.fired:
        out.append("\nbecause: ", style="dim")
        out.append(", ".join(guidance.fired))
    return out


class GuidancePanel(Static):
    """Updated by its screen whenever the factors (or jurisdiction) change."""

    def show(self, guidance: Guidance | None, note: str = "") -> None:
        """Show `guidance` (None: `note`)."""
        self.update(guidance_text(guidance, note=note))
