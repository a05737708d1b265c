"""How a case's links read on screen: shared contacts, other accounts' cases, their decisions.

Account names, contacts and link reasons come from reports: user text, shown
literally through `rich.text.Text`.
"""

from __future__ import annotations

from rich.text import Text

from ...domain.contacts import contact_label
from ...services.networks import CaseLinks
from ..text import one_line

__all__ = ["linked_text"]


def linked_text(links: CaseLinks | None) -> Text:
    """The Linked tab: contacts and the cases they link to (None: not loaded yet)."""
    out = Text()
    if links is None:
        out.append("Links not loaded.", style="dim")
        return out
    out.append("Contacts in this case: ", style="bold")
    out.append(", ".join(one_line(contact_label(c), 60) for c in links.contacts) or "none")
    out.append("\n")
    if not links.linked:
        out.append(
            "No other account shares a contact, near-duplicate content or a matching image "
            "with this case.",
            style="dim",
        )
        return out
    out.append(
        f"{links.total} case(s) on {links.account_total} other account(s) linked", style="bold"
    )
    if links.total > len(links.linked):
        out.append(f" (newest {len(links.linked)} shown)", style="dim")
    out.append("\n\n")
    for x in links.linked:
        out.append(x.case_id, style="bold")
        out.append("  @")
        out.append(one_line(x.account, 40), style="bold")
        out.append(f"  {one_line(x.platform, 12)}  ")
        if x.action:
            out.append(x.action, style="reverse")
            out.append(f" {', '.join(x.clauses)} ({x.decision_id})")
        else:
            out.append(x.status.replace("in_review", "claimed"), style="italic")
        out.append("\n  via ", style="dim")
        out.append(one_line("; ".join(x.via), 120))
        out.append("\n")
    return out
