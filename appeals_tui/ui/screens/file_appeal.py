"""File an appeal against a decision: decision id, appellant, grounds, new information.

The window, the one-open-appeal rule and the no-action refusal are the service's;
this modal shows its refusal in place and keeps what was typed.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from ...services.appeals import file_appeal
from ..base import appeals_app
from ..services import call_service, error_text
from ..text import content

__all__ = ["FileAppealScreen"]


class FileAppealScreen(ModalScreen[str | None]):
    """Returns the new appeal's id, or None when cancelled."""

    CSS_PATH = "file_appeal.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="file-cancel", tooltip="Close without filing"),
        Binding("ctrl+s", "file", "File appeal", id="file-submit", tooltip="File the appeal"),
    ]

    def __init__(self, decision_id: str = "") -> None:
        super().__init__()
        self.decision_id = decision_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="file-box"):
            yield Label(Text("File an appeal", style="bold"))
            yield Label("Decision id")
            yield Input(self.decision_id, placeholder="D-000001", id="file-decision")
            yield Label("Appellant (default: the account)")
            yield Input(placeholder="acct_…", id="file-appellant")
            yield Label("Grounds: what does the user say is wrong?")
            yield TextArea(id="file-grounds")
            yield Label("New information (optional)")
            yield TextArea(id="file-new-info")
            yield Static(id="file-error", classes="error-box")
            with Horizontal(id="file-buttons"):
                yield Button("File appeal", id="file-ok", variant="primary")
                yield Button("Cancel", id="file-no")

    def on_mount(self) -> None:
        target = "#file-grounds" if self.decision_id else "#file-decision"
        self.query_one(target).focus()

    @on(Button.Pressed, "#file-no")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#file-ok")
    def action_file(self) -> None:
        decision = self.query_one("#file-decision", Input).value.strip()
        call_service(
            self,
            file_appeal,
            appeals_app(self).session,
            decision,
            self.query_one("#file-grounds", TextArea).text,
            self.query_one("#file-appellant", Input).value.strip() or None,
            self.query_one("#file-new-info", TextArea).text,
            done=lambda appeal: self.dismiss(appeal.appeal_id),
            failed=self._failed,
            writes=True,
        )

    def _failed(self, exc: BaseException) -> None:
        """Show the refusal in place."""
        box = self.query_one("#file-error", Static)
        box.update(content(error_text(exc)))
        box.add_class("-visible")
        # below the text boxes: on a small terminal it would be out of sight
        self.call_after_refresh(box.scroll_visible, animate=False)
