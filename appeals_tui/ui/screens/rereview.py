"""The leads' re-review queue after a policy publish: confirm or supersede each decision."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from ...services.rereview import (
    PENDING,
    RereviewItem,
    RereviewQueue,
    confirm_rereview,
    rereview_queue,
)
from ..base import AppealsScreen
from ..keys import Key
from ..services import error_text
from ..text import cell
from ..widgets.dialogs import TextPrompt
from ..widgets.footer import AppFooter
from ..widgets.supersede_dialog import SupersedeDialog
from ..widgets.table import Table
from .compare import CompareScreen

__all__ = ["RereviewScreen"]

COLUMNS = ("decision", "status", "case", "moderator", "decided", "guidance was", "guidance now")


class RereviewScreen(AppealsScreen):
    """Every standing decision the last publish changed the guidance for, with progress."""

    CSS_PATH = "rereview.tcss"
    HELP_TITLE = "Re-review queue"
    HELP_TEXT = (
        "After a policy publish, each standing decision whose guidance changed is listed "
        "here. c confirms it (with a reason; no new decision), s supersedes it with a new "
        "decision under the new library (as an appeal's modify does), enter opens the "
        "decision. Decisions an appeal replaced meanwhile count as done (moot)."
    )
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="rereview-back", tooltip="Close"),
        Binding("c", "confirm", "Confirm", id="rereview-confirm", tooltip="Keep the decision (with a reason)"),
        Binding("s", "supersede", "Supersede", id="rereview-supersede", tooltip="Replace it with a new decision"),
        Key("r", "reload", "Reload", id="rereview-reload", tooltip="Reload the queue", palette="Reload re-review queue", palette_help="Reload the items and progress"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.queue: RereviewQueue | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Loading…", style="dim"), id="rereview-summary")
        table: DataTable[Text] = Table(id="rereview-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield AppFooter()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#rereview-table", DataTable).focus()

    def refresh_data(self) -> None:
        """Read the re-review queue again (in a worker)."""
        self.mark_fresh()
        self.call(rereview_queue, self.session, done=self._show, failed=self._failed)

    def action_reload(self) -> None:
        self.refresh_data()

    def _failed(self, exc: BaseException) -> None:
        """Show why the queue could not be read (leads only)."""
        self.query_one("#rereview-summary", Static).update(Text(error_text(exc), style="bold red"))

    def _show(self, queue: RereviewQueue) -> None:
        """Show the queue's progress and items."""
        self.queue = queue
        summary = Text(f"Re-review for policy library {queue.library_version}: ", style="bold")
        summary.append(queue.progress(), style="bold green" if not queue.pending else "bold yellow")
        if not queue.total:
            summary.append(
                " · nothing to re-review (a lead publishes a draft from the Policy screen, P)",
                style="dim",
            )
        self.query_one("#rereview-summary", Static).update(summary)
        table = self.query_one("#rereview-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in queue.items:
            if item.status == "replaced":
                continue
            status = item.status + (f" by {item.by}" if item.by else "")
            if item.new_decision_id:
                status += f" → {item.new_decision_id}"
            table.add_row(
                cell(item.decision_id, 12),
                cell(status, 36, "bold" if item.status == PENDING else "dim"),
                cell(item.case_id, 10),
                cell(item.moderator, 12),
                cell(item.action, 16),
                cell(f"{item.old_action} ({item.old_clause})", 26),
                cell(f"{item.new_action} ({item.new_clause})", 26),
                key=item.decision_id,
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def _current(self) -> RereviewItem | None:
        """The item under the cursor, or None."""
        table = self.query_one("#rereview-table", DataTable)
        if self.queue is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next(
            (i for i in self.queue.items if i.decision_id == key and i.status != "replaced"), None
        )

    def _pending(self) -> RereviewItem | None:
        """The item under the cursor if it still waits for a lead, else None (said so)."""
        item = self._current()
        if item is None:
            return None
        if item.status != PENDING:
            self.app.notify(
                f"{item.decision_id} is already {item.status}", severity="warning", markup=False
            )
            return None
        return item

    def action_confirm(self) -> None:
        item = self._pending()
        if item is None:
            return

        save = self.saving(confirm_rereview, self.session, item.decision_id)

        self.app.push_screen(
            TextPrompt(
                f"Confirm {item.decision_id} under policy {item.library_version}",
                f"{item.moderator} decided {item.action}; guidance is now {item.new_action} "
                f"under {item.new_clause}. Why does the decision still stand?",
                save,
                button="Confirm",
            ),
            self._after,
        )

    def action_supersede(self) -> None:
        item = self._pending()
        if item is not None:
            self.app.push_screen(SupersedeDialog(item, self.session.library), self._after)

    def _after(self, result: RereviewItem | None) -> None:
        """Say what became of the item and reload the queue."""
        if result is not None:
            self.app.notify(f"{result.decision_id}: {result.status}", markup=False)
        self.refresh_data()

    @on(DataTable.RowSelected, "#rereview-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        """Open the item's decision in the decision view."""
        if event.row_key.value:
            self.app.push_screen(CompareScreen([str(event.row_key.value)]))
