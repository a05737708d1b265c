"""Consistency dashboard (F5, leads): are we deciding alike, and where not?

Rates per clause and moderator (with counts), inconsistent profiles (open them side
by side, mark the canonical one), plots, and QA agreement. Moderators see the
service's PermissionDenied in place.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane, Tabs

from ...domain.kappa import Agreement
from ...services.networks import list_networks
from ...services.permissions import can
from ...services.qa import ClauseAgreement, QAReport, qa_report
from ...services.session import Session
from ...services.stats import ConsistencyStats, ProfileGroup, RateRow, consistency_stats
from ..base import AppealsScreen
from ..keys import Key
from ..text import cell
from ..widgets.footer import AppFooter
from ..widgets.lead_marks import mark_cell, toggle_mark
from ..widgets.networks_panel import NetworksPanel
from ..widgets.table import Table
from . import MainScreen

__all__ = ["DashboardScreen", "ENTRY"]


def _load(session: Session) -> tuple[ConsistencyStats, QAReport]:
    """The dashboard's two reads (in the worker)."""
    return consistency_stats(session), qa_report(session)


def pct(value: float | None) -> str:
    """A rate as a percentage, or — when there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"


#: The dashboard's own keys: shown to leads only (moderators get the permission message).
LEAD_ACTIONS = frozenset({"tab", "open_qa", "reload", "toggle_mark", "compare"})

RATE_COLUMNS = (
    "", "decisions", "diverged", "div %", "appeals", "overturned", "ovt %", "ovt/dec", "reviewed",
)  # fmt: skip


class DashboardScreen(AppealsScreen):
    """Rates, inconsistent profiles, charts and QA agreement for leads."""

    CSS_PATH = "dashboard.tcss"
    HELP_TITLE = "Consistency dashboard"
    HELP_TEXT = (
        "Overturn rate = overturned+modified / resolved appeals (ovt/dec: per decision); "
        "divergence = decisions departing from guidance or precedent. A decision citing "
        "two clauses counts for both. A decision an appeal's overturn or modify wrote is an "
        "appeal outcome: it counts in the reviewer's 'reviewed', not as their decision. "
        "Inconsistent profiles: standing decisions with the "
        "same factor profile and jurisdiction class but different actions; enter opens "
        "the group side by side, space marks rows, c compares the marked ones."
    )
    BINDINGS = [
        Binding("1", "tab('tab-rates')", "Rates", id="dashboard-tab-rates", tooltip="Rates per moderator and clause"),
        Binding("2", "tab('tab-profiles')", "Profiles", id="dashboard-tab-profiles", tooltip="Inconsistent profiles"),
        Binding("3", "tab('tab-charts')", "Charts", id="dashboard-tab-charts", tooltip="Plots", show=False),
        Binding("4", "tab('tab-qa')", "QA table", id="dashboard-tab-qa", tooltip="QA agreement and kappa", show=False),
        Binding("5", "tab('tab-networks')", "Networks", id="dashboard-tab-networks", tooltip="Accounts linked by contacts or near-duplicates"),
        Key("q", "open_qa", "QA", id="dashboard-qa", tooltip="QA sampling and agreement", palette="QA sampling", palette_help="Draw samples, blind re-reviews, agreement and kappa"),
        Key("r", "reload", "Reload", id="dashboard-reload", tooltip="Recompute the statistics", palette="Reload dashboard", palette_help="Recompute the statistics"),
        Binding("space", "toggle_mark", "Mark", id="dashboard-mark", tooltip="Mark a profile decision for comparison"),
        Binding("c", "compare", "Compare", id="dashboard-compare", tooltip="Compare the marked decisions (or the group)"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.stats: ConsistencyStats | None = None
        self.groups: dict[str, list[str]] = {}  # row key -> the group's decision ids
        self.marked: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading…", id="dashboard-summary")
        with TabbedContent(id="dashboard-tabs"):
            with TabPane("Rates", id="tab-rates"):
                yield Static(Text("per moderator", style="bold"), classes="section-title")
                yield Table(id="rates-moderator", cursor_type="row", zebra_stripes=True)
                yield Static(Text("per clause", style="bold"), classes="section-title")
                yield Table(id="rates-clause", cursor_type="row", zebra_stripes=True)
            with TabPane("Inconsistent profiles", id="tab-profiles"):
                yield Static("", id="profile-info")
                yield Table(id="profiles", cursor_type="row", zebra_stripes=True)
            with TabPane("Charts", id="tab-charts"):
                # plotext loads with the first dashboard, not with the app (~0.1 s of
                # every first paint, most users never open this screen)
                from ..widgets.chart_plots import ModeratorRatesPlot, WeeklyActionsChart

                yield WeeklyActionsChart(id="chart-weeks")
                yield ModeratorRatesPlot(id="chart-moderators")
            with TabPane("QA agreement", id="tab-qa"):
                yield Static("", id="qa-summary")
                yield Table(id="qa-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Networks", id="tab-networks"):
                yield NetworksPanel(id="networks-panel")
        yield AppFooter()

    def on_mount(self) -> None:
        for tid in ("#rates-moderator", "#rates-clause"):
            self.query_one(tid, DataTable).add_columns(*RATE_COLUMNS)
        self.query_one("#profiles", DataTable).add_columns(
            "", "decision", "date", "moderator", "action", "clauses", "canonical"
        )
        self.query_one("#qa-table", DataTable).add_columns(
            "scope", "n", "agreement", "kappa", "expected"
        )
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Non-leads see only the permission message: none of the dashboard's keys apply.

        Mark and compare act on the profiles table: offered only while it is shown.
        (This is visibility only; the services still refuse non-leads themselves.)
        """
        if action in LEAD_ACTIONS and not can(self.session, "lead"):
            return False
        if action in ("toggle_mark", "compare"):
            return self.query_one("#dashboard-tabs", TabbedContent).active == "tab-profiles"
        return True

    @on(TabbedContent.TabActivated, "#dashboard-tabs")
    def _tab_changed(self) -> None:
        """Bindings depend on the tab (mark and compare only on profiles)."""
        self.refresh_bindings()

    def action_tab(self, pane: str) -> None:
        self.query_one("#dashboard-tabs", TabbedContent).active = pane
        tables = self.query_one(f"#{pane}").query(DataTable)
        if tables:
            tables.first().focus()
        else:  # charts: nothing to select, keep the keyboard on the tabs
            self.query_one("#dashboard-tabs", TabbedContent).query_one(Tabs).focus()

    def refresh_data(self) -> None:
        """Reload after a change elsewhere."""
        self.action_reload()

    def action_reload(self) -> None:
        self.mark_fresh()
        self.call(_load, self.session, done=self._show, failed=self._failed, group="dashboard")
        panel = self.query_one(NetworksPanel)
        self.call(
            list_networks,
            self.session,
            done=panel.show,
            failed=lambda exc: panel.failed(str(exc)),
            group="networks",
        )

    @on(NetworksPanel.OpenBatch)
    def _network_batch(self, event: NetworksPanel.OpenBatch) -> None:
        """Open a network's open cases in the batch screen; reload on return."""
        from .batch import BatchScreen

        self._stale = True  # decisions made there change the networks: reload on return
        self.app.push_screen(BatchScreen(network_id=event.network_id))

    def _failed(self, exc: BaseException) -> None:
        """Moderators (and failures) see the reason instead of the tabs."""
        self.query_one("#dashboard-summary", Static).update(Text(str(exc), style="bold red"))
        self.query_one("#dashboard-tabs").display = False

    def _show(self, result: tuple[ConsistencyStats, QAReport]) -> None:
        """Fill every tab from the stats and the QA report."""
        stats, qa = result
        self.stats = stats
        self.query_one("#dashboard-summary", Static).update(
            Text(
                f"{stats.decisions} decisions (+{stats.appeal_decisions} by appeal "
                f"outcomes; {stats.standing} standing) · diverged "
                f"{stats.diverged} ({pct(stats.divergence_rate)}) · appeals resolved "
                f"{stats.appeals_resolved}, overturned/modified {stats.overturned} "
                f"({pct(stats.overturn_rate)}) · {len(stats.inconsistent_profiles)} "
                "inconsistent profile(s)"
            )
        )
        self._rates("#rates-moderator", stats.per_moderator)
        self._rates("#rates-clause", stats.per_clause)
        self._profiles(stats.inconsistent_profiles)
        from ..widgets.chart_plots import ModeratorRatesPlot, WeeklyActionsChart

        self.query_one("#chart-weeks", WeeklyActionsChart).show(stats.per_week)
        self.query_one("#chart-moderators", ModeratorRatesPlot).show(stats.per_moderator)
        self._qa(qa)

    def _rates(self, selector: str, rows: list[RateRow]) -> None:
        """One row per moderator or clause: counts and rates."""
        table = self.query_one(selector, DataTable)
        table.clear()
        for r in rows:
            table.add_row(
                cell(r.key, 14),
                Text(str(r.decisions), justify="right"),
                Text(str(r.diverged), justify="right"),
                Text(pct(r.divergence_rate), justify="right"),
                Text(str(r.appeals_resolved), justify="right"),
                Text(str(r.overturned), justify="right"),
                Text(pct(r.overturn_rate), justify="right"),
                Text(pct(r.overturn_per_decision), justify="right"),
                Text(str(r.reviewed), justify="right"),
                key=r.key,
            )

    def _profiles(self, groups: list[ProfileGroup]) -> None:
        """Each inconsistent profile as a head row followed by its decisions."""
        table = self.query_one("#profiles", DataTable)
        table.clear()
        self.groups = {}
        self.group_info: dict[str, str] = {}
        for n, g in enumerate(groups, 1):
            ids = [d.decision_id for d in g.decisions]
            where = "promotion illegal" if g.promotion_illegal else "promotion legal"
            actions = " ".join(f"{a}×{c}" for a, c in g.actions.items())
            head = f"#{n}"
            self.groups[head] = ids
            self.group_info[head] = (
                f"{head}: {len(ids)} standing decisions, same profile, {where} — "
                f"{actions}\nfactors yes: {', '.join(g.factors) or 'none'}"
            )
            table.add_row(
                Text(head, style="bold"),
                Text(f"{g.decision_count} decisions", style="bold"),
                Text(""),
                Text(""),
                Text(f"{len(g.actions)} actions", style="bold"),
                Text(""),
                Text(""),
                key=head,
            )
            for d in g.decisions:
                key = f"{head}/{d.decision_id}"
                self.groups[key] = ids
                table.add_row(
                    mark_cell(d.decision_id in self.marked),
                    cell(d.decision_id, 12),
                    cell(d.decided_at[:10], 10),
                    cell(d.moderator, 12),
                    cell(d.action, 16),
                    cell(",".join(d.clauses), 14),
                    Text("★" if d.canonical else ""),
                    key=key,
                )

    def _qa(self, qa: QAReport) -> None:
        """The QA agreement tab."""
        self.query_one("#qa-summary", Static).update(
            Text(
                f"{qa.reviewed} blind re-review(s), {qa.pending} pending in "
                f"{qa.batches} batch(es) · clause agreement {pct(qa.clause_agreement)}"
            )
        )
        table = self.query_one("#qa-table", DataTable)
        table.clear()
        rows: list[tuple[str, Agreement | ClauseAgreement]] = [("overall", qa.overall)]
        rows += [(r.clause, r) for r in qa.per_clause]
        for scope, a in rows:
            table.add_row(
                cell(scope, 12),
                Text(str(a.n)),
                Text(pct(a.observed)),
                Text("—" if a.kappa is None else f"{a.kappa:.3f}"),
                Text(pct(a.expected)),
            )

    def _profile_key(self) -> str | None:
        """The row key under the cursor in the profiles table, or None."""
        table = self.query_one("#profiles", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @on(DataTable.RowHighlighted, "#profiles")
    def _group_info(self, event: DataTable.RowHighlighted) -> None:
        """Describe the highlighted profile group below the table."""
        key = (event.row_key.value or "").split("/", 1)[0]
        self.query_one("#profile-info", Static).update(Text(self.group_info.get(key, "")))

    @on(DataTable.RowSelected, "#profiles")
    def _open_group(self, event: DataTable.RowSelected) -> None:
        """Enter on a profile row compares its listed decisions."""
        key = event.row_key.value
        if not key:
            return
        ids = [key.split("/", 1)[1]] if "/" in key else self.groups.get(key, [])
        self._compare(ids)

    def _compare(self, ids: list[str]) -> None:
        """Open `ids` side by side."""
        if ids:
            from .compare import CompareScreen

            self.app.push_screen(CompareScreen(ids))

    def action_toggle_mark(self) -> None:
        key = self._profile_key()
        if not key or "/" not in key:
            return
        did = key.split("/", 1)[1]
        toggle_mark(self.query_one("#profiles", DataTable), key, self.marked, did)

    def action_compare(self) -> None:
        if self.marked:
            self._compare(list(self.marked))
            return
        key = self._profile_key()
        if key:
            self._compare(self.groups.get(key, []))

    def action_open_qa(self) -> None:
        from .qa import QAScreen

        self.app.push_screen(QAScreen())


ENTRY = MainScreen(
    "dashboard",
    "Dashboard",
    "f5",
    "Consistency: overturn and divergence rates, inconsistent profiles, QA (leads)",
    DashboardScreen,
)
