"""History (F4): every decision, superseded ones marked, filtered and paged.

One filter line (`moderator:minji clause:CSS-4 action:label outcome:overturned
factor:glamorization=yes since:2026-11-01 until:… current` + free words), 50 rows a
page. Enter opens the decision; space marks rows, c compares the marked ones;
x exports what the filter matches.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Static

from ...domain.models import Decision, Page
from ...services.history import HistoryFilter, history
from ...services.session import Session
from ..base import AppealsScreen
from ..keys import Key
from ..text import cell
from ..widgets.footer import AppFooter
from ..widgets.lead_decision_card import decision_flags
from ..widgets.lead_marks import mark_cell, toggle_mark
from ..widgets.table import Table
from . import MainScreen

__all__ = ["HistoryScreen", "ENTRY", "PAGE_SIZE"]

PAGE_SIZE = 50


def _page(session: Session, query: str, offset: int) -> tuple[HistoryFilter, Page[Decision]]:
    """Parse the filter line and read one page (in the worker)."""
    flt = HistoryFilter.parse(query)
    return flt, history(session, flt, offset=offset, limit=PAGE_SIZE)


def empty_reason(flt: HistoryFilter) -> str | None:
    """Why a filter can match nothing whatever the workspace holds (shown instead of a bare empty list)."""
    if flt.since and flt.until and flt.since >= flt.until:
        since, until = flt.since.date().isoformat(), flt.until.date().isoformat()
        if flt.since > flt.until:
            return f"'since' ({since}) is after 'until' ({until}): no decision can match"
        return f"'since' equals 'until' ({until}) and 'until' is exclusive: no decision can match"
    return None


class HistoryScreen(AppealsScreen):
    """Browse and filter the decision history; open, compare and export decisions."""

    CSS_PATH = "history.tcss"
    HELP_TITLE = "History"
    HELP_TEXT = (
        "Every decision, newest first; superseded ones stay and are marked. Filter with "
        "moderator: clause: action: outcome:(upheld|overturned|modified|none|pending) "
        "factor:NAME=yes|no since:DATE until:DATE current, plus free words searched in "
        "reasoning, ids and account."
    )
    #: palette entries with no key (those with a key are declared with it above)
    PALETTE_ONLY = [
        ("QA sampling", "Draw samples, blind re-reviews, agreement and kappa", "open_qa"),
    ]
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="history-filter", tooltip="Edit the filter line"),
        Binding("enter", "open", "Open", id="history-open", tooltip="Open the decision in full", show=False),
        Binding("space", "toggle_mark", "Mark", id="history-mark", tooltip="Mark for comparison"),
        Key("c", "compare", "Compare", id="history-compare", tooltip="Compare the marked decisions", palette="Compare marked decisions", palette_help="Open the marked decisions side by side"),
        Binding("n", "page(1)", "Next page", id="history-next", tooltip="Next 50 decisions"),
        Binding("p", "page(-1)", "Prev page", id="history-prev", tooltip="Previous 50 decisions"),
        # The table would scroll within the page; here PageUp/PageDown turn pages.
        Binding("pagedown", "page(1)", "Next page", id="history-pgdn", tooltip="Next 50 decisions", show=False, priority=True),
        Binding("pageup", "page(-1)", "Prev page", id="history-pgup", tooltip="Previous 50 decisions", show=False, priority=True),
        Key("x", "export", "Export", id="history-export", tooltip="Export what the filter matches", palette="Export decisions", palette_help="Export what the history filter matches (csv, jsonl, sor)"),
        Binding("r", "reload", "Reload", id="history-reload", tooltip="Reload from the workspace", show=False),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.page_offset = 0
        self.total = 0
        self.flt = HistoryFilter()
        self.marked: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="filter: moderator:minji clause:CSS-4 outcome:overturned current words…",
            id="history-query",
        )
        yield Static("", id="history-error", classes="error-box")
        table: DataTable[Any] = Table(id="history-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(
            "",
            "decision",
            "date",
            "moderator",
            "action",
            "clauses",
            "outcome",
            "marks",
            "reasoning",
        )
        yield table
        yield Static("", id="history-status", classes="status-bar")
        yield AppFooter()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#history-table", DataTable).focus()

    def refresh_data(self) -> None:
        """Reload after a change elsewhere."""
        self.load()

    def load(self) -> None:
        """Read the current page for the current filter (in a worker)."""
        self.mark_fresh()
        if not self.query_one("#history-table", DataTable).row_count:
            self.query_one("#history-status", Static).update("loading…")
        self.call(
            _page,
            self.session,
            self.query_text,
            self.page_offset,
            done=self._show,
            failed=self._failed,
            group="history",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        """Show why the filter or the read failed, in place."""
        box = self.query_one("#history-error", Static)
        box.update(Text(str(exc)))
        box.add_class("-visible")
        self.query_one("#history-status", Static).update("")

    def _show(self, result: tuple[HistoryFilter, Page[Decision]]) -> None:
        """Fill the table with a page, keeping the cursor on the same decision."""
        self.flt, page = result
        box = self.query_one("#history-error", Static)
        why = empty_reason(self.flt) if not page.items else None
        box.update(Text(why or ""))
        box.set_class(bool(why), "-visible")
        self.total = page.total
        table = self.query_one("#history-table", DataTable)
        keep = self.current_id()
        table.clear()
        for d in page.items:
            table.add_row(
                mark_cell(d.decision_id in self.marked),
                cell(d.decision_id, 12),
                cell(d.decided_at[:10], 10),
                cell(d.moderator, 12),
                cell(d.action, 16),
                cell(",".join(d.clause_ids), 14),
                cell(d.appeal_outcome or "", 10),
                cell(decision_flags(d), 24, style="italic" if d.superseded_by else ""),
                cell(d.reasoning, 70),
                key=d.decision_id,
            )
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))
        first = page.offset + 1 if page.items else 0
        last = page.offset + len(page.items)
        status = f"{first}-{last} of {page.total} decisions"
        if self.marked:
            status += f" · marked: {', '.join(self.marked)}"
        self.query_one("#history-status", Static).update(Text(status))

    @on(Input.Submitted, "#history-query")
    def _filter(self, event: Input.Submitted) -> None:
        """Enter in the filter line applies it from the first page."""
        self.query_text = event.value
        self.page_offset = 0
        self.load()
        self.query_one("#history-table", DataTable).focus()

    @on(DataTable.RowSelected, "#history-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens the decision."""
        self._open(event.row_key.value)

    def current_id(self) -> str | None:
        """The decision id under the cursor, or None on an empty page."""
        table = self.query_one("#history-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _open(self, decision_id: str | None) -> None:
        """Open one decision in the decision view."""
        if decision_id:
            from .compare import CompareScreen

            self.app.push_screen(CompareScreen([decision_id]))

    def action_open(self) -> None:
        self._open(self.current_id())

    def action_focus_filter(self) -> None:
        self.query_one("#history-query", Input).focus()

    def action_page(self, step: int) -> None:
        new = self.page_offset + step * PAGE_SIZE
        if 0 <= new < max(self.total, 1):
            self.page_offset = new
            self.load()
        else:
            self.notify("No more pages", timeout=2)

    def action_reload(self) -> None:
        self.load()

    def action_toggle_mark(self) -> None:
        did = self.current_id()
        if did is None:
            return
        toggle_mark(self.query_one("#history-table", DataTable), did, self.marked, did)

    def action_compare(self) -> None:
        current = self.current_id()
        ids = self.marked or ([current] if current else [])
        if ids:
            from .compare import CompareScreen

            self.app.push_screen(CompareScreen(list(ids)))

    def action_export(self) -> None:
        from .export import ExportScreen

        self.app.push_screen(ExportScreen(self.flt, self.total))

    def action_open_qa(self) -> None:
        from .qa import QAScreen

        self.app.push_screen(QAScreen())


ENTRY = MainScreen(
    "history", "History", "f4", "Every decision, filter, open, compare, export", HistoryScreen
)
