"""The modal a lead fills to supersede a decision from the re-review queue."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from ...domain.models import Action
from ...domain.policy import PolicyLibrary
from ...services.decisions import DecisionDraft
from ...services.rereview import RereviewItem, supersede_rereview
from ..services import call_service, error_text
from ..text import cell, content
from .factor_checklist import FactorChecklist

__all__ = ["SupersedeDialog"]


class SupersedeDialog(ModalScreen[RereviewItem | None]):
    """Action, clause(s), the factor answers (the decision's, to change), reasoning and
    (when the service asks) a divergence reason for the new decision; the service
    validates everything, a refusal is shown in place."""

    DEFAULT_CSS = """
    SupersedeDialog { align: center middle; }
    SupersedeDialog > VerticalScroll { width: 84; max-width: 98%; height: auto;
        max-height: 96%; border: thick $primary; background: $surface; padding: 0 1; }
    SupersedeDialog TextArea { height: 5; }
    SupersedeDialog FactorChecklist { height: auto; }
    SupersedeDialog Horizontal { height: auto; align-horizontal: right; }
    SupersedeDialog Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Supersede", id="supersede-save", tooltip="Write the new decision"),
        Binding("escape", "cancel", "Cancel", id="supersede-cancel", tooltip="Close without saving"),
    ]  # fmt: skip

    def __init__(self, item: RereviewItem, library: PolicyLibrary) -> None:
        super().__init__()
        self.item = item
        self.library = library

    def compose(self) -> ComposeResult:
        item = self.item
        with VerticalScroll():  # scrolls on a small terminal (80x24)
            yield Label(cell(f"Supersede {item.decision_id} ({item.case_id})", 80, "bold"))
            yield Static(
                cell(
                    f"{item.moderator} decided {item.action}; guidance now {item.new_action} "
                    f"under {item.new_clause} (policy {item.library_version})",
                    80,
                    "dim",
                )
            )
            yield Select(
                [(a.value, a.value) for a in Action],
                value=item.new_action if item.new_action in set(Action) else Action.LABEL.value,
                allow_blank=False,
                id="supersede-action",
            )
            yield Input(
                item.new_clause, placeholder="clause ids, comma-separated", id="supersede-clause"
            )
            yield Label("Factors (the decision's answers; change what the re-review found)")
            yield FactorChecklist(self.library, item.factors, id="supersede-checklist")
            yield Label("Reasoning")
            yield TextArea(id="supersede-reasoning")
            yield Input(placeholder="divergence reason (if asked)", id="supersede-divergence")
            yield Static(id="supersede-error", classes="error-box")
            with Horizontal():
                yield Button("Cancel", id="supersede-cancel-button")
                yield Button("Supersede (ctrl+s)", variant="primary", id="supersede-save-button")

    def on_mount(self) -> None:
        self.query_one("#supersede-reasoning", TextArea).focus()

    def action_submit(self) -> None:
        clauses = [c.strip() for c in self.query_one("#supersede-clause", Input).value.split(",")]
        draft = DecisionDraft(
            action=str(self.query_one("#supersede-action", Select).value),
            clause_ids=[c for c in clauses if c],
            factors=self.query_one(FactorChecklist).factors,
            reasoning=self.query_one("#supersede-reasoning", TextArea).text,
            divergence_reason=self.query_one("#supersede-divergence", Input).value or None,
        )
        session = self.app.session  # type: ignore[attr-defined]  # AppealsApp's session
        call_service(
            self,
            supersede_rereview,
            session,
            self.item.decision_id,
            draft,
            done=lambda result: self.app.call_later(self.dismiss, result),
            failed=self._failed,
            writes=True,
        )

    def _failed(self, exc: BaseException) -> None:
        """Show the refusal in place; a missing divergence reason puts the cursor in its box."""
        box = self.query_one("#supersede-error", Static)
        text = error_text(exc)
        box.update(content(text))
        box.add_class("-visible")
        if text.startswith("divergence_reason"):
            self.query_one("#supersede-divergence", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#supersede-save-button")
    def _save(self) -> None:
        """The Save button submits."""
        self.action_submit()

    @on(Button.Pressed, "#supersede-cancel-button")
    def _cancel(self) -> None:
        """The Cancel button closes without saving."""
        self.action_cancel()
