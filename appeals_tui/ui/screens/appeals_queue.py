"""Appeals queue (F3): open and in-review appeals, earliest due first, overdue in red.

Filter by clause and original moderator; `c` claims (the service refuses your own
decisions), `enter` opens the review, `f` files a new appeal. Paged, 50 rows a page.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Header, Input, Static

from ...services.appeals import (
    AppealFilter,
    AppealListing,
    AppealPage,
    claim_appeal,
    page_appeals,
)
from ..base import AppealsScreen
from ..keys import Key
from ..text import cell
from ..widgets.footer import AppFooter
from ..widgets.table import Table
from ..widgets.yes_no import YesNoBox
from . import MainScreen

__all__ = ["AppealsQueueScreen", "ENTRY"]

PAGE = 50


class AppealsQueueScreen(AppealsScreen):
    """Appeals waiting for a second person's review."""

    CSS_PATH = "appeals_queue.tcss"
    HELP_TITLE = "Appeals queue"
    HELP_TEXT = (
        "Open and in-review appeals, earliest due first; overdue ones in red. "
        "You can never claim an appeal of your own decision."
    )
    BINDINGS = [
        Binding("c", "claim", "Claim", id="appeals-claim", tooltip="Claim the appeal for review"),
        Binding("enter", "open", "Review", id="appeals-open", tooltip="Open the review screen"),
        Key(
            "f",
            "file",
            "File appeal",
            id="appeals-file",
            tooltip="File an appeal",
            palette="File an appeal",
            palette_help="File an appeal against a decision",
        ),
        Key(
            "r",
            "reload",
            "Reload",
            id="appeals-reload",
            tooltip="Reload the queue",
            palette="Reload appeals",
            palette_help="Reload the appeals queue",
        ),
        Binding("slash", "filter", "Filter", id="appeals-filter", tooltip="Focus the filters"),
        Binding("n", "page(1)", "Next page", id="appeals-next", tooltip="Next page"),
        Binding("p", "page(-1)", "Prev page", id="appeals-prev", tooltip="Previous page"),
        # priority: the table would otherwise take PageUp/PageDown to scroll within the page
        Binding(
            "pagedown",
            "page(1)",
            "Next page",
            id="appeals-pgdn",
            tooltip="Next page",
            show=False,
            priority=True,
        ),
        Binding(
            "pageup",
            "page(-1)",
            "Prev page",
            id="appeals-pgup",
            tooltip="Previous page",
            show=False,
            priority=True,
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_offset = 0
        self.total = 0
        self.appeal_rows: list[AppealListing] = []
        self._seq = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="appeals-filters"):
            yield Input(placeholder="clause, e.g. CSS-3", id="flt-clause", compact=True)
            yield Input(placeholder="original moderator", id="flt-moderator", compact=True)
            yield YesNoBox("overdue only", id="flt-overdue", compact=True)
            yield YesNoBox("resolved too", id="flt-resolved", compact=True)
        yield Table(id="appeals-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="appeals-status", classes="status-bar")
        yield AppFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            "appeal",
            "status",
            "due",
            "decision",
            "action",
            "clause",
            "moderator",
            "reviewer",
            "grounds",
        )
        table.focus()
        self.reload()

    def _filter(self) -> AppealFilter:
        """The filter the checkboxes and inputs describe now."""
        status = {"open", "in_review"}
        if self.query_one("#flt-resolved", Checkbox).value:
            status.add("resolved")
        return AppealFilter(
            status=status,
            clause=self.query_one("#flt-clause", Input).value.strip().upper() or None,
            moderator=self.query_one("#flt-moderator", Input).value.strip() or None,
            overdue_only=self.query_one("#flt-overdue", Checkbox).value,
        )

    def refresh_data(self) -> None:
        """Reload after a change elsewhere."""
        self.reload()

    def reload(self) -> None:
        """Read the current page (in a worker); an older answer is dropped."""
        self.mark_fresh()
        self._seq += 1
        seq = self._seq
        self.call(
            page_appeals,
            self.session,
            self._filter(),
            offset=self.page_offset,
            limit=PAGE,
            done=lambda page: self._show(page, seq),
            group="appeals-load",
        )

    def _show(self, page: AppealPage, seq: int = 0) -> None:
        """Fill the table, keeping the cursor on the same appeal."""
        if seq and seq != self._seq:
            return  # a newer load is on its way
        keep = self._current()
        self.page_offset = page.offset
        self.total = page.total
        self.appeal_rows = page.items
        table = self.query_one(DataTable)
        table.clear()
        for row in page.items:
            a, d = row.appeal, row.decision
            style = "bold red" if row.overdue else ""
            due = a.due_at[:10] + (" OVERDUE" if row.overdue else "")
            table.add_row(
                cell(a.appeal_id, style=style),
                cell(a.status),
                cell(due, style=style),
                cell(a.decision_id),
                cell(d.action if d else ""),
                cell(",".join(d.clause_ids) if d else ""),
                cell(d.moderator if d else ""),
                cell(a.reviewer or "—"),
                cell(a.grounds, 40),
                key=a.appeal_id,
            )
        if keep is not None and keep.appeal.appeal_id in table.rows:
            # a reload (after a claim, or another process's write) keeps the reader's place
            table.move_cursor(row=table.get_row_index(keep.appeal.appeal_id))
        pages = max(1, -(-page.total // PAGE))
        self.query_one("#appeals-status", Static).update(
            Text(
                f"page {page.offset // PAGE + 1}/{pages} · {page.total} appeals · "
                f"{page.overdue} overdue · c claim · enter review · f file"
            )
        )

    def _current(self) -> AppealListing | None:
        """The appeal under the cursor, or None."""
        table = self.query_one(DataTable)
        if (
            not self.appeal_rows
            or table.cursor_row < 0
            or table.cursor_row >= len(self.appeal_rows)
        ):
            return None
        return self.appeal_rows[table.cursor_row]

    @on(Input.Submitted)
    @on(Checkbox.Changed)
    def _filters_changed(self) -> None:
        """A changed filter starts again from the first page."""
        self.page_offset = 0
        self.reload()
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#flt-clause", Input).focus()

    def action_reload(self) -> None:
        self.reload()

    def action_page(self, step: int) -> None:
        new = self.page_offset + step * PAGE
        if new < 0 or new >= max(self.total, 1):
            self.notify("No more pages", timeout=2)
            return
        self.page_offset = new
        self.reload()

    def action_claim(self) -> None:
        row = self._current()
        if row is None:
            return
        self.call(
            claim_appeal,
            self.session,
            row.appeal.appeal_id,
            row.appeal.version,
            done=lambda appeal: self.notify(
                f"You are reviewing {appeal.appeal_id}", title="Claimed"
            ),
            writes=True,
        )

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        row = self._current()
        if row is None:
            return
        from .review import ReviewScreen

        self.app.push_screen(ReviewScreen(row.appeal.appeal_id))

    def action_file(self) -> None:
        from .file_appeal import FileAppealScreen

        def filed(appeal_id: str | None) -> None:
            """Say it was filed and reload."""
            if appeal_id:
                self.notify(f"Filed {appeal_id}", title="Appeal filed")

        self.app.push_screen(FileAppealScreen(), filed)


ENTRY = MainScreen(
    "appeals",
    "Appeals",
    "f3",
    "Appeals queue: due dates, claim, review",
    AppealsQueueScreen,
)
