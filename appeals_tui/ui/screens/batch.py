"""Working an account: one draft applied to several of its open cases, one decision each.

The rules (one `decide()` per case, failures collected) live in `services.batch`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from ...domain.guidance import Guidance
from ...domain.models import FACTORS, Case
from ...services.batch import BatchOutcome, account_open_cases, decide_each
from ...services.decisions import DecisionDraft, guidance_for
from ...services.networks import network_open_cases
from ..base import AppealsScreen
from ..keys import Key
from ..text import one_line
from ..widgets.decision_form import DecisionForm
from ..widgets.footer import AppFooter
from ..widgets.yes_no import YesNoSelectionList

__all__ = ["BatchScreen"]


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
        Key(
            "ctrl+s",
            "save",
            "Save checked",
            id="batch-save",
            tooltip="Decide every checked case",
            priority=True,
            palette="Save batch",
            palette_help="Decide every checked case of this account",
        ),
        Binding(
            "ctrl+g",
            "use_guidance",
            "Use guidance",
            id="batch-guidance",
            tooltip="Take the action and clause the rubric recommends for these factors",
            priority=True,
        ),
        Key(
            "ctrl+o",
            "adjust",
            "Adjust case",
            id="batch-adjust",
            tooltip="Decide the highlighted case on its own",
            palette="Adjust one case",
            palette_help="Open the highlighted case in Decide with this draft",
        ),
        Binding(
            "ctrl+a",
            "toggle_all",
            "All/none",
            id="batch-all",
            tooltip="Check or uncheck every case",
        ),
        Key(
            "ctrl+n",
            "notices",
            "Notices",
            id="batch-notices",
            tooltip="Review the notices of the decisions just made, one after another",
            palette="Batch notices",
            palette_help="Review the notices of the decisions just made",
        ),
        Binding("escape", "back", "Back", id="batch-back", tooltip="Back without saving"),
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
        self.cases_shown: list[Case] = []
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
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(DecisionForm).show_divergence(
            "Used for the cases where the action differs from guidance or precedent."
        )
        self.query_one(SelectionList).focus()
        self.reload()

    def refresh_data(self) -> None:
        """Reload after a change elsewhere."""
        self.reload()

    def use_guidance(self, guidance: Guidance) -> None:
        """Take the recommended action and clause into the form."""
        form = self.query_one(DecisionForm)
        form.set_action(guidance.action)
        form.set_clauses([guidance.clause_id])
        self.query_one("#reasoning").focus()

    def action_use_guidance(self) -> None:
        """The rubric's recommendation for the draft's factors, in the first case's
        jurisdiction (each case's own save still checks divergence for itself)."""
        found = self.cases_shown
        jurisdiction = found[0].jurisdiction if found else None
        answers = self.query_one(DecisionForm).draft().factors
        assumed = {f: bool(answers.get(f, False)) for f in FACTORS}
        self.call(guidance_for, self.session, assumed, jurisdiction, done=self.use_guidance)

    def reload(self) -> None:
        """Read the account's (or network's) open cases (in a worker)."""
        self.mark_fresh()
        if self.network_id:
            self.call(
                network_open_cases, self.session, self.network_id, done=self._show, group="batch"
            )
        else:
            self.call(
                account_open_cases, self.session, self.account, done=self._show, group="batch"
            )

    def _show(self, found: list[Case]) -> None:
        """List the cases, keeping the user's ticks and the highlighted row."""
        listing = self.query_one(SelectionList)
        checked = set(listing.selected) if self.versions else None
        highlighted = listing.highlighted or 0
        listing.clear_options()
        self.versions = {c.case_id: c.version for c in found}
        self.cases_shown = found
        for c in found:
            prompt = Text(f"{c.case_id}  {c.status.replace('in_review', 'claimed'):<8} ")
            if self.network_id:
                prompt.append(f"@{one_line(c.account, 24)} ", style="bold")
            prompt.append(one_line(c.content_text, 90))
            listing.add_option(
                Selection(prompt, c.case_id, checked is None or c.case_id in checked)
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
        self.call(
            decide_each,
            self.session,
            targets,
            form.draft(),
            done=self._saved,
            group="save",
            writes=True,
        )

    def _saved(self, outcomes: list[BatchOutcome]) -> None:
        """Show each case's outcome and offer the notices for the decided ones."""
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
        self.offer_notices([o.message for o in outcomes if o.ok])

    def offer_notices(self, decision_ids: list[str]) -> None:
        """Each decision owes its user a notice, as after a single decision: offer them in turn."""
        from ..widgets.appeal_dialogs import AppealConfirm
        from .notice import review_notices

        if not decision_ids:
            return
        self.made = decision_ids

        def answer(yes: bool | None) -> None:
            """Walk through the notices if the moderator said yes."""
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
