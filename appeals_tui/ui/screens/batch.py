"""Working an account: one draft applied to several of its open cases, one decision each.

Each checked case still goes through `decide()` on its own, so each gets its own
record, its own validation and its own conflict check; one failure never stops
the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from ...domain.errors import AppealsError
from ...services import cases, decisions
from ...services.cases import CaseFilter
from ...services.decisions import DecisionDraft
from ...services.networks import network_open_cases
from ...services.session import Session
from ..base import AppealsScreen
from ..services import error_text
from ..text import one_line
from ..widgets.decision_form import DecisionForm
from ..widgets.yes_no import YesNoSelectionList

__all__ = ["BatchScreen", "BatchOutcome", "account_open_cases", "decide_each"]


@dataclass
class BatchOutcome:
    case_id: str
    ok: bool
    message: str


def account_open_cases(session: Session, account: str) -> list[dict[str, Any]]:
    flt = CaseFilter(status={"open", "in_review"}, account=account)
    return cases.list_cases(session, flt, sort="age", limit=None).cases


def decide_each(
    session: Session, targets: list[tuple[str, int]], draft: DecisionDraft
) -> list[BatchOutcome]:
    """One `decide()` per case; errors are collected, not raised."""
    out: list[BatchOutcome] = []
    for case_id, version in targets:
        try:
            decision = decisions.decide(session, case_id, draft, expected_version=version)
        except AppealsError as exc:
            out.append(BatchOutcome(case_id, False, error_text(exc)))
        else:
            out.append(BatchOutcome(case_id, True, decision.decision_id))
    return out


class BatchScreen(AppealsScreen):
    """All open cases of one account, decided with one shared draft."""

    CSS_PATH = "batch.tcss"
    HELP_TITLE = "Work an account"
    HELP_TEXT = (
        "Check the cases to decide (space), fill the draft once, save with ctrl+s: every checked case gets "
        "its own decision. Press ctrl+o to adjust one case on its own. After a save the notices of the "
        "new decisions are offered one after another (ctrl+n reopens them)."
    )
    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            "Save checked",
            id="batch-save",
            tooltip="Decide every checked case",
            priority=True,
        ),
        Binding(
            "ctrl+o",
            "adjust",
            "Adjust case",
            id="batch-adjust",
            tooltip="Decide the highlighted case on its own",
        ),
        Binding(
            "ctrl+a",
            "toggle_all",
            "All/none",
            id="batch-all",
            tooltip="Check or uncheck every case",
        ),
        Binding(
            "ctrl+n",
            "notices",
            "Notices",
            id="batch-notices",
            tooltip="Review the notices of the decisions just made, one after another",
        ),
        Binding("escape", "back", "Back", id="batch-back", tooltip="Back without saving"),
    ]
    PALETTE = [
        ("Save batch", "Decide every checked case of this account", "save"),
        ("Adjust one case", "Open the highlighted case in Decide with this draft", "adjust"),
        ("Batch notices", "Review the notices of the decisions just made", "notices"),
    ]

    def __init__(
        self,
        account: str = "",
        draft: DecisionDraft | None = None,
        *,
        network_id: str | None = None,
    ) -> None:
        super().__init__()
        self.account = account
        #: work the open cases of every account of this network instead of one account
        self.network_id = network_id
        self.initial = draft
        self.versions: dict[str, int] = {}
        #: Decisions saved by the last batch (their notices are still owed).
        self.made: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        if self.network_id:
            title = Text(
                f"Working network {self.network_id}: open cases of all its accounts", style="bold"
            )
        else:
            title = Text("Working account @", style="bold")
            title.append(one_line(self.account, 60))
        yield Static(title, id="batch-title")
        yield YesNoSelectionList(id="batch-cases")
        yield DecisionForm(
            self.session.library,
            self.initial,
            side=[Label("Results", classes="section-title"), Static(id="batch-results")],
            id="batch-form",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DecisionForm).show_divergence(
            "Used for the cases where the action differs from guidance or precedent."
        )
        self.query_one(SelectionList).focus()
        self.reload()

    def reload(self) -> None:
        if self.network_id:
            self.call(
                network_open_cases, self.session, self.network_id, done=self._show, group="batch"
            )
        else:
            self.call(
                account_open_cases, self.session, self.account, done=self._show, group="batch"
            )

    def _show(self, found: list[dict[str, Any]]) -> None:
        listing = self.query_one(SelectionList)
        checked = set(listing.selected) if self.versions else None
        highlighted = listing.highlighted or 0
        listing.clear_options()
        self.versions = {c["case_id"]: c["version"] for c in found}
        for c in found:
            prompt = Text(f"{c['case_id']}  {c['status'].replace('in_review', 'claimed'):<8} ")
            if self.network_id:
                prompt.append(f"@{one_line(c['subject']['account'], 24)} ", style="bold")
            prompt.append(one_line(c.get("content_text"), 90))
            listing.add_option(
                Selection(prompt, c["case_id"], checked is None or c["case_id"] in checked)
            )
        if found:
            listing.highlighted = min(highlighted, len(found) - 1)
        listing.border_title = f"{len(found)} open cases"
        if not found:
            self.query_one("#batch-results", Static).update(
                Text(
                    f"No open cases left on this {'network' if self.network_id else 'account'}.",
                    style="dim",
                )
            )

    def action_toggle_all(self) -> None:
        listing = self.query_one(SelectionList)
        if len(listing.selected) == listing.option_count:
            listing.deselect_all()
        else:
            listing.select_all()

    def action_save(self) -> None:
        chosen = [cid for cid in self.query_one(SelectionList).selected if cid in self.versions]
        if not chosen:
            self.notify("Check at least one case (space)", severity="warning")
            return
        form = self.query_one(DecisionForm)
        form.clear_problems()
        targets = [(cid, self.versions[cid]) for cid in chosen]
        self.call(decide_each, self.session, targets, form.draft(), done=self._saved, group="save")

    def _saved(self, outcomes: list[BatchOutcome]) -> None:
        text = Text()
        for o in outcomes:
            text.append(f"{o.case_id}  ", style="bold")
            text.append("saved " if o.ok else "not saved ", style="green" if o.ok else "bold red")
            text.append(o.message + "\n")
        self.query_one("#batch-results", Static).update(text)
        good = sum(o.ok for o in outcomes)
        self.notify(
            f"{good} of {len(outcomes)} cases decided",
            severity="information" if good == len(outcomes) else "warning",
        )
        self.reload()
        self.offer_notices([o.message for o in outcomes if o.ok])

    def offer_notices(self, decision_ids: list[str]) -> None:
        """Each decision owes its user a notice, as after a single decision: offer them in turn."""
        from ..widgets.appeal_dialogs import AppealConfirm
        from .notice import review_notices

        if not decision_ids:
            return
        self.made = decision_ids

        def answer(yes: bool | None) -> None:
            if yes:
                review_notices(self.app, decision_ids)

        count = f"{len(decision_ids)} decision" + ("s" if len(decision_ids) > 1 else "")
        self.app.push_screen(
            AppealConfirm(
                f"{count} saved ({', '.join(decision_ids)}). Review and send the notices to "
                "the users now, one after another? (n: later; ctrl+n here reopens them)",
                "Notices",
            ),
            answer,
        )

    def action_notices(self) -> None:
        if self.made:
            from .notice import review_notices

            review_notices(self.app, list(self.made))
        else:
            self.notify("No decisions made here yet", severity="warning")

    def action_adjust(self) -> None:
        from .decide import DecideScreen

        listing = self.query_one(SelectionList)
        if listing.highlighted is None:
            return
        case_id = listing.get_option_at_index(listing.highlighted).value
        draft = self.query_one(DecisionForm).draft()
        self.app.push_screen(
            DecideScreen(case_id, draft, return_to_queue=False), callback=lambda _: self.reload()
        )

    def action_back(self) -> None:
        self.app.pop_screen()
