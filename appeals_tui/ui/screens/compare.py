"""Decisions side by side (one column each); with one id it is the decision view.

Leads open it from an inconsistent profile on the dashboard, or from History,
and mark the decision the team should follow as canonical (audited in services).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.widget import Widget
from textual.widgets import Header, Static

from ...services.decisions import set_canonical
from ...services.history import DecisionDetail, decision_detail
from ...services.session import Session
from ..base import AppealsScreen
from ..keys import Key
from ..widgets.footer import AppFooter
from ..widgets.lead_decision_card import DecisionCard

__all__ = ["CompareScreen"]

#: Width of a column once they no longer fit side by side (see compare.tcss `.-fixed`).
CARD_WIDTH = 40


def _details(session: Session, ids: list[str]) -> list[DecisionDetail]:
    """Each decision's detail, read in the worker (one column each)."""
    return [decision_detail(session, i) for i in ids]


class CompareScreen(AppealsScreen):
    """Full reasoning, guidance, divergence, chain and case for each decision, in columns."""

    CSS_PATH = "compare.tcss"
    HELP_TITLE = "Decision / compare"
    HELP_TEXT = (
        "Each column is one decision: reasoning, guidance shown at the time, divergence "
        "reason, supersession chain, appeals, the case and its reports. Tab or ←/→ moves "
        "between columns; m marks the focused decision as the canonical precedent (leads)."
    )
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="compare-back", tooltip="Close"),
        Key(
            "m", "mark(True)", "Mark canonical", id="compare-mark",
            tooltip="Make the focused decision the precedent to follow (leads)", palette="Mark canonical", palette_help="Make the focused decision the precedent to follow (leads)"
        ),
        Key(
            "u", "mark(False)", "Unmark", id="compare-unmark",
            tooltip="Withdraw the canonical mark of the focused decision (leads)", palette="Unmark canonical", palette_help="Withdraw the focused decision's canonical mark (leads)"
        ),
        Binding("left", "move(-1)", "Prev column", id="compare-left", tooltip="Previous column", show=False, priority=True),
        Binding("right", "move(1)", "Next column", id="compare-right", tooltip="Next column", show=False, priority=True),
    ]  # fmt: skip

    def __init__(self, decision_ids: list[str]) -> None:
        super().__init__()
        self.decision_ids = list(decision_ids)

    def compose(self) -> ComposeResult:
        yield Header()
        title = "Decision" if len(self.decision_ids) == 1 else "Compare decisions"
        yield Static(
            Text(f"{title}: {', '.join(self.decision_ids)}", style="bold"), id="compare-title"
        )
        yield HorizontalScroll(id="compare-columns")
        yield AppFooter()

    def on_mount(self) -> None:
        self.call(_details, self.session, self.decision_ids, done=self._show)

    def _show(self, details: list[DecisionDetail]) -> None:
        """One card per decision; fixed-width columns that scroll when they cannot share the width."""
        columns = self.query_one("#compare-columns", HorizontalScroll)
        columns.remove_children()
        cards = [DecisionCard(d, classes="compare-card") for d in details]
        if len(cards) * CARD_WIDTH > columns.size.width:  # too many to share the width:
            for card in cards:  # fixed-width columns, the row scrolls sideways
                card.add_class("-fixed")
        columns.mount_all(cards)
        if cards:
            cards[0].focus()

    def cards(self) -> list[DecisionCard]:
        """The decision cards, in column order."""
        return list(self.query(DecisionCard))

    def focused_card(self) -> DecisionCard | None:
        """The card holding the focus (or the first card)."""
        node = self.focused
        while node is not None and not isinstance(node, DecisionCard):
            node = node.parent if isinstance(node.parent, Widget) else None
        cards = self.cards()
        return node if isinstance(node, DecisionCard) else (cards[0] if cards else None)

    def action_move(self, step: int) -> None:
        cards = self.cards()
        current = self.focused_card()
        if not cards or current is None:
            return
        target = cards[(cards.index(current) + step) % len(cards)]
        target.focus()
        target.scroll_visible()

    def action_mark(self, canonical: bool) -> None:
        card = self.focused_card()
        if card is None:
            return
        others = [i for i in self.decision_ids if i != card.decision_id]
        reason = f"compared with {', '.join(others)}" if others else "marked from the decision view"
        self.call(
            set_canonical,
            self.session,
            card.decision_id,
            canonical,
            reason,
            done=lambda _doc: self._marked(card, canonical),
            writes=True,
        )

    def _marked(self, card: DecisionCard, canonical: bool) -> None:
        """Say the canonical mark changed and redraw that card from the store."""
        state = "is now the canonical precedent" if canonical else "is no longer canonical"
        self.notify(f"{card.decision_id} {state}", markup=False)
        self.call(decision_detail, self.session, card.decision_id, done=card.refresh_detail)
