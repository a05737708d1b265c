"""The queue (F2): open and claimed cases by priority and SLA, filterable, paged, one-key claim."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Select, Static
from textual.widgets.data_table import ColumnKey

from ...domain.models import Case, Page
from ...services import cases
from ...services.cases import SORT_KEYS, CaseFilter
from ...services.facets import QueueFacets, queue_facets
from ...services.session import Session
from ..base import AppealsScreen, appeals_app
from ..keys import Key
from ..widgets.footer import AppFooter
from ..widgets.queue_rows import row_cells
from ..widgets.table import Table
from . import MainScreen
from .decide import QueueContext

__all__ = ["QueueScreen", "ENTRY", "PAGE_SIZE"]

PAGE_SIZE = 50
STATUS_CHOICES = [
    ("open + claimed", "active"),
    ("open", "open"),
    ("claimed", "in_review"),
    ("decided", "decided"),
    ("appealed", "appealed"),
    ("resolved", "resolved"),
    ("any status", "all"),
]
#: DataTable column key -> sort key (clicking a sortable header sorts by it).
COLUMNS = [
    ("case", "case", None),
    ("status", "status", None),
    ("prio", "priority", "priority"),
    ("SLA", "sla", "sla"),
    ("rep", "reports", "reports"),
    ("account", "account", None),
    ("content", "content", None),
    ("platform", "platform", None),
    ("jur", "jurisdiction", None),
    ("age", "age", "age"),
    ("reach", "reach", "reach"),
]
ANY = "*"


@dataclass
class QueueRows:
    page: Page[Case]
    sla: dict[str, tuple[str, float]]


def load_page(session: Session, flt: CaseFilter, sort: str, offset: int) -> QueueRows:
    """One queue page plus each undecided case's SLA state (runs in a worker)."""
    page = cases.list_cases(session, flt, sort=sort, offset=offset, limit=PAGE_SIZE)
    sla = {
        c.case_id: cases.sla_state(session, c.first_reported_at) for c in page.items if c.undecided
    }
    return QueueRows(page, sla)


class QueueScreen(AppealsScreen):
    """What to look at next: the most urgent undecided cases first."""

    CSS_PATH = "queue.tcss"
    HELP_TITLE = "Queue"
    HELP_TEXT = (
        "Open and claimed cases, most urgent first. Claim with c, open with enter. "
        "Filters apply as you type; pages hold 50 cases."
    )
    BINDINGS = [
        Key(
            "enter",
            "open_case",
            "Open",
            id="queue-open",
            tooltip="Open the highlighted case",
            palette="Open case",
            palette_help="Open the highlighted case",
        ),
        Key(
            "c",
            "claim",
            "Claim",
            id="queue-claim",
            tooltip="Claim the highlighted case",
            palette="Claim case",
            palette_help="Claim the highlighted case in the queue",
        ),
        Key(
            "d",
            "decide",
            "Decide",
            id="queue-decide",
            tooltip="Decide the highlighted case",
            palette="Decide case",
            palette_help="Decide the highlighted case (content beside the form)",
        ),
        Key(
            "r",
            "reload",
            "Reload",
            id="queue-reload",
            tooltip="Reload the queue",
            palette="Reload queue",
            palette_help="Fetch the queue again",
        ),
        Key(
            "s",
            "cycle_sort",
            "Sort",
            id="queue-sort",
            tooltip="Cycle the sort order",
            palette="Cycle sort order",
            palette_help="priority → reports → age → SLA → reach",
        ),
        Binding("slash", "search", "Search", id="queue-search", tooltip="Focus the text search"),
        Key(
            "m",
            "mine",
            "Mine",
            id="queue-mine",
            tooltip="Show only cases claimed by me",
            palette="Only my cases",
            palette_help="Filter the queue to cases claimed by me",
        ),
        Binding("n", "page(1)", "Next page", id="queue-next", tooltip="Next page"),
        Binding("p", "page(-1)", "Prev page", id="queue-prev", tooltip="Previous page"),
        Binding(
            "pagedown",
            "page(1)",
            "Next page",
            show=False,
            priority=True,
            id="queue-pgdn",
            tooltip="Next page",
        ),
        Binding(
            "pageup",
            "page(-1)",
            "Prev page",
            show=False,
            priority=True,
            id="queue-pgup",
            tooltip="Previous page",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "priority"
        self.page_offset = 0
        self.total = 0
        self.versions: dict[str, int] = {}
        self._search_timer: Timer | None = None
        self._seq = 0
        self._warmed = False  # see _warm_first_case

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="queue-filters"):
            yield Input(
                placeholder="/ search id, account, text", id="queue-search-input", compact=True
            )
            yield Select(
                STATUS_CHOICES, value="active", allow_blank=False, compact=True, id="filter-status"
            )
            yield Select(
                [("any platform", ANY)],
                value=ANY,
                allow_blank=False,
                compact=True,
                id="filter-platform",
            )
            yield Select(
                [("any jur.", ANY)],
                value=ANY,
                allow_blank=False,
                compact=True,
                id="filter-jurisdiction",
            )
            yield Select(
                self._assignee_options([]),
                value=ANY,
                allow_blank=False,
                compact=True,
                id="filter-assignee",
            )
        yield Table(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="queue-status", classes="status-bar")
        yield AppFooter()

    def _assignee_options(self, names: list[str]) -> list[tuple[str, str]]:
        """The assignee filter's choices: anyone, mine, unassigned, then the other users."""
        return [("anyone", ANY), ("mine", self.session.actor), ("unassigned", "")] + [
            (n, n) for n in names if n != self.session.actor
        ]

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, sort in COLUMNS:
            table.add_column(Text(label + (" ▾" if sort == self.sort else "")), key=key)
        table.focus()
        self.call(queue_facets, self.session, done=self._facets, group="facets")

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")  # narrower filters, see queue.tcss

    def _facets(self, facets: QueueFacets) -> None:
        """Fill the platform, jurisdiction and assignee filters from what the workspace holds."""
        self.query_one("#filter-platform", Select).set_options(
            [("any platform", ANY)] + [(p, p) for p in facets.platforms]
        )
        self.query_one("#filter-jurisdiction", Select).set_options(
            [("any jur.", ANY)] + [(j, j) for j in facets.jurisdictions]
        )
        self.query_one("#filter-assignee", Select).set_options(
            self._assignee_options(facets.assignees)
        )

    # -- loading ----------------------------------------------------------------

    def current_filter(self) -> CaseFilter:
        """The filter the inputs describe now (the store answers it, not a scan here)."""
        status = self.query_one("#filter-status", Select).value
        statuses = {"active": {"open", "in_review"}, "all": set()}.get(str(status), {str(status)})
        platform = self.query_one("#filter-platform", Select).value
        jurisdiction = self.query_one("#filter-jurisdiction", Select).value
        assignee = self.query_one("#filter-assignee", Select).value
        text = self.query_one("#queue-search-input", Input).value.strip()
        return CaseFilter(
            status=statuses,
            platform=None if platform in (ANY, Select.NULL) else str(platform),
            jurisdiction=None if jurisdiction in (ANY, Select.NULL) else str(jurisdiction),
            assignee=None if assignee in (ANY, Select.NULL) else str(assignee),
            text=text or None,
        )

    def refresh_data(self) -> None:
        """Reload when the workspace changed under us (AppealsScreen's freshness check)."""
        self.action_reload()

    def action_reload(self) -> None:
        self.mark_fresh()
        self._seq += 1
        seq = self._seq
        if not self.query_one(DataTable).row_count:  # a refresh keeps what is shown meanwhile
            self.query_one("#queue-status", Static).update(Text("loading…", style="dim"))
        self.call(
            load_page,
            self.session,
            self.current_filter(),
            self.sort,
            self.page_offset,
            done=lambda rows: self._show(rows, seq),
            group="queue",
        )

    def _show(self, rows: QueueRows, seq: int) -> None:
        """Show a loaded page unless a newer request superseded it; a page past the end moves to the last."""
        if seq != self._seq:
            return  # a newer request is on its way
        page = rows.page
        if page.offset and page.offset >= page.total:
            self.page_offset = max(0, (max(page.total, 1) - 1) // PAGE_SIZE * PAGE_SIZE)
            self.action_reload()
            return
        table = self.query_one(DataTable)
        keep = self.highlighted_case()
        table.clear()
        self.total = page.total
        self.versions = {}
        now = self.session.now()
        for c in page.items:
            self.versions[c.case_id] = c.version
            table.add_row(*row_cells(c, rows.sla.get(c.case_id), now), key=c.case_id)
        if keep in self.versions:
            table.move_cursor(row=table.get_row_index(keep))
        pages = max(1, math.ceil(page.total / PAGE_SIZE))
        current = page.offset // PAGE_SIZE + 1
        status = Text(f"page {current} of {pages} · {page.total} cases · sort: {self.sort}")
        if not page.items:
            status.append("  — nothing matches these filters", style="italic")
        self.query_one("#queue-status", Static).update(status)
        if page.items and not self._warmed:
            self._warm_first_case(page.items[0].case_id)

    def _warm_first_case(self, case_id: str) -> None:
        """Load the top case's view once, in a worker, while the first page is on screen:
        what a case needs the first time in a process (the index files of decisions,
        strikes and cases, the audit events' index) is opened then, so the first case
        opens as fast as the second. The view is kept for the case screen that opens
        this case (ui/warm_view.py), which uses it unless a change was seen since."""
        from ...services.case_view import case_view
        from ..warm_view import WarmView

        self._warmed = True
        app = appeals_app(self)
        ahead = app.warm_view = WarmView(case_id)
        self.call(
            case_view, self.session, case_id,
            done=lambda view: ahead.ready(view, app.change_count),
            failed=lambda _exc: ahead.ready(None, None), group="warm",
        )  # fmt: skip

    # -- actions -----------------------------------------------------------------

    def highlighted_case(self) -> str | None:
        """The case id under the cursor, or None on an empty page."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value if key else None

    def queue_context(self, case_id: str) -> QueueContext:
        """This queue's order from `case_id` on: where save-and-next continues."""
        keys = [str(k.value) for k in self.query_one(DataTable).rows]
        after = tuple(keys[keys.index(case_id) + 1 :]) if case_id in keys else ()
        return QueueContext(self.current_filter(), self.sort, after)

    def action_open_case(self) -> None:
        from .case import CaseScreen

        case_id = self.highlighted_case()
        if case_id:
            self.app.push_screen(CaseScreen(case_id, queue=self.queue_context(case_id)))

    def action_decide(self) -> None:
        from .decide import DecideScreen

        case_id = self.highlighted_case()
        if case_id:
            self.app.push_screen(DecideScreen(case_id, queue=self.queue_context(case_id)))

    @on(DataTable.RowSelected, "#queue-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens the case."""
        event.stop()
        self.action_open_case()

    def action_claim(self) -> None:
        case_id = self.highlighted_case()
        if not case_id:
            return

        def claimed(case: Case) -> None:
            """Say it is claimed and show the claim in the row."""
            self.notify(f"Claimed {case.case_id}", title="Claimed", markup=False)

        self.call(
            cases.claim,
            self.session,
            case_id,
            self.versions.get(case_id),
            done=claimed,
            writes=True,
        )

    def action_cycle_sort(self) -> None:
        self.set_sort(SORT_KEYS[(SORT_KEYS.index(self.sort) + 1) % len(SORT_KEYS)])

    def set_sort(self, sort: str) -> None:
        """Sort by `sort` from the first page and mark the sorted column's header."""
        self.sort = sort
        self.page_offset = 0
        table = self.query_one(DataTable)
        for label, key, col_sort in COLUMNS:
            column = table.columns[ColumnKey(key)]
            column.label = Text(label + (" ▾" if col_sort == sort else ""))
        table.refresh()
        self.action_reload()

    @on(DataTable.HeaderSelected, "#queue-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        """A click on a sortable column header sorts by it."""
        event.stop()
        sort = {key: s for _, key, s in COLUMNS}.get(str(event.column_key.value))
        if sort:
            self.set_sort(sort)

    def action_page(self, step: int) -> None:
        new = self.page_offset + step * PAGE_SIZE
        if new < 0 or (step > 0 and new >= self.total):
            self.notify("No more pages", timeout=2)
            return
        self.page_offset = new
        self.action_reload()

    def action_search(self) -> None:
        self.query_one("#queue-search-input", Input).focus()

    def action_mine(self) -> None:
        self.query_one("#filter-assignee", Select).value = self.session.actor

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        """A changed filter starts again from the first page."""
        event.stop()
        if self.is_mounted and event.select.id and event.select.id.startswith("filter-"):
            self.page_offset = 0
            self.action_reload()

    @on(Input.Changed, "#queue-search-input")
    def _search_changed(self) -> None:
        """Search as the user types, after a short pause (one store query, not one per key)."""
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.3, self._search_now)

    def _search_now(self) -> None:
        """Run the search from the first page."""
        self.page_offset = 0
        self.action_reload()

    @on(Input.Submitted, "#queue-search-input")
    def _search_submitted(self) -> None:
        """Enter searches at once and puts the focus back on the table."""
        self._search_now()
        self.query_one(DataTable).focus()


ENTRY = MainScreen(
    mode="queue",
    title="Queue",
    key="f2",
    description="Open and claimed cases by priority and SLA",
    factory=QueueScreen,
)
