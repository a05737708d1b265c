"""QA sampling: leads draw blind re-review samples; reviewers answer without seeing
the original decision; leads read agreement and Cohen's kappa.

Reached from the dashboard (`q`) and the command palette. Blindness is enforced by
`services.qa.review_queue`, which never returns the original decision.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Header,
    Input,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from ...domain.kappa import Agreement
from ...domain.models import Action, Role
from ...services import qa
from ...services.history import parse_since
from ...services.session import Session
from ..base import AppealsScreen
from ..keys import Key
from ..services import error_text
from ..text import cell, content, visible
from ..widgets.footer import AppFooter
from ..widgets.table import Table

__all__ = ["QAScreen"]


def _draw(session: Session, size: str, since: str, seed: str, reviewer: str) -> qa.QABatch:
    """Parse the draw form's text fields and draw (in the worker)."""
    try:
        n = int(size)
        s = int(seed) if seed.strip() else None
    except ValueError:
        from ...domain.errors import ValidationError

        raise ValidationError("size and seed must be whole numbers") from None
    return qa.draw_sample(session, n, parse_since(since), s, reviewer=reviewer.strip())


class QAScreen(AppealsScreen):
    """Batches, blind review and agreement in three tabs."""

    CSS_PATH = "qa.tcss"
    HELP_TITLE = "QA sampling"
    HELP_TEXT = (
        "Leads draw a seeded random sample of standing decisions for a reviewer who made "
        "none of them. The reviewer opens the batch (enter), picks a case and answers action "
        "and clause blind. Agreement is observed % and Cohen's kappa on the action "
        "(1 = perfect, 0 = chance), overall and per clause of the original decision."
    )
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="qa-back", tooltip="Close QA"),
        Key(
            "r",
            "reload",
            "Reload",
            id="qa-reload",
            tooltip="Reload batches and agreement",
            palette="Reload QA",
            palette_help="Reload batches and agreement",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.batch_id: str | None = None
        self.items: list[qa.QAQueueItem] = []
        self.item: qa.QAQueueItem | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="qa-tabs"):
            with TabPane("Batches", id="qa-tab-batches"):
                yield Table(id="qa-batches", cursor_type="row", zebra_stripes=True)
                with Horizontal(id="qa-draw", classes="form-row"):
                    yield Input(placeholder="size", id="qa-size", value="20")
                    yield Input(placeholder="since YYYY-MM-DD", id="qa-since")
                    yield Input(placeholder="seed", id="qa-seed")
                    yield Input(placeholder="reviewer", id="qa-reviewer")
                    yield Button("Draw", variant="primary", id="qa-draw-button")
                yield Static(id="qa-draw-error", classes="error-box")
            with TabPane("Blind review", id="qa-tab-review"):
                yield Table(id="qa-items", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="qa-case-box"):
                    yield Static("Open one of your batches (enter on Batches).", id="qa-case")
                with Horizontal(classes="form-row"):
                    yield Select(
                        [(a.value, a.value) for a in Action], prompt="action", id="qa-action"
                    )
                    yield Input(placeholder="clause(s), e.g. CSS-4", id="qa-clauses")
                yield Input(
                    placeholder="reasoning (a full sentence; enter submits)", id="qa-reasoning"
                )
                yield Static(id="qa-review-error", classes="error-box")
                yield Button("Submit review", variant="primary", id="qa-submit")
            with TabPane("Agreement", id="qa-tab-report"):
                yield Static("", id="qa-report-summary")
                yield Table(id="qa-report", cursor_type="row", zebra_stripes=True)
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#qa-batches", DataTable).add_columns(
            "batch", "created", "by", "reviewer", "reviewed", "seed"
        )
        self.query_one("#qa-items", DataTable).add_columns("decision", "state", "case", "content")
        self.query_one("#qa-report", DataTable).add_columns(
            "scope", "n", "agreement", "kappa", "expected"
        )
        self.query_one("#qa-draw").display = self.session.role is Role.LEAD
        self.query_one("#qa-batches", DataTable).focus()
        self.action_reload()

    # -- batches --------------------------------------------------------------

    def action_reload(self) -> None:
        self.call(qa.list_batches, self.session, done=self._batches, group="qa")
        if self.session.role is Role.LEAD:
            self.call(qa.qa_report, self.session, self.batch_id, done=self._report, group="qa")

    def _batches(self, rows: list[qa.QABatchSummary]) -> None:
        """Fill the batches table."""
        table = self.query_one("#qa-batches", DataTable)
        table.clear()
        for b in rows:
            table.add_row(
                cell(b.batch_id, 12),
                cell(b.created_at[:10], 10),
                cell(b.created_by, 12),
                cell(b.reviewer, 12),
                Text(f"{b.reviewed}/{b.items}"),
                Text(str(b.seed)),
                key=b.batch_id,
            )

    def _show_error(self, selector: str, exc: BaseException | None) -> None:
        """A refusal in place, next to the inputs it is about (None clears it)."""
        box = self.query_one(selector, Static)
        if exc is not None:
            box.update(content(error_text(exc)))
        box.set_class(exc is not None, "-visible")

    @on(Button.Pressed, "#qa-draw-button")
    @on(Input.Submitted, "#qa-draw Input")
    def _draw_pressed(self) -> None:
        """Draw a sample from the form (leads; in a worker); a refusal shows in place."""
        values = [
            self.query_one(f"#qa-{n}", Input).value for n in ("size", "since", "seed", "reviewer")
        ]
        self._show_error("#qa-draw-error", None)
        self.call(
            _draw,
            self.session,
            *values,
            done=self._drawn,
            failed=lambda exc: self._show_error("#qa-draw-error", exc),
            writes=True,
        )

    def _drawn(self, batch: qa.QABatch) -> None:
        """Say what was drawn and show it selected."""
        self.notify(
            f"{batch.batch_id}: {len(batch.items)} decision(s) for {batch.reviewer} "
            f"(seed {batch.seed})",
            markup=False,
        )
        self.batch_id = batch.batch_id
        self.action_reload()

    @on(DataTable.RowSelected, "#qa-batches")
    def _batch_selected(self, event: DataTable.RowSelected) -> None:
        """Open a batch: its agreement for leads, its blind queue for its reviewer."""
        self.batch_id = event.row_key.value
        if self.session.role is Role.LEAD:
            self.call(qa.qa_report, self.session, self.batch_id, done=self._report, group="qa")
        self.call(
            qa.review_queue,
            self.session,
            self.batch_id,
            done=self._queue,
            failed=self._not_reviewer,
        )

    def _not_reviewer(self, _exc: BaseException) -> None:
        """Not this user's batch to review: leads land on its agreement instead."""
        self.query_one("#qa-tabs", TabbedContent).active = "qa-tab-report"

    # -- blind review ---------------------------------------------------------

    def _queue(self, items: list[qa.QAQueueItem]) -> None:
        """Fill the blind-review table and switch to it."""
        self.items = items
        table = self.query_one("#qa-items", DataTable)
        table.clear()
        for row in items:
            table.add_row(
                cell(row.decision_id, 12),
                Text("done" if row.review else "todo"),
                cell(row.case.case_id if row.case else "", 10),
                cell(row.case.content_text if row.case else "", 60),
                key=row.decision_id,
            )
        self.query_one("#qa-tabs", TabbedContent).active = "qa-tab-review"
        table.focus()

    @on(DataTable.RowHighlighted, "#qa-items")
    def _item_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted case (never its original decision)."""
        self.item = next((i for i in self.items if i.decision_id == event.row_key.value), None)
        if self.item is None:
            return
        case, reports = self.item.case, self.item.reports
        if case is None:
            parts = [Text(f"the case of {self.item.decision_id} is missing", style="bold")]
        else:
            parts = [
                Text(f"{case.case_id} · {case.jurisdiction} · "
                     f"{visible(case.account)}", style="bold"),
                Text(visible(case.content_text)),
                Text(visible(case.media_description), style="italic"),
            ]  # fmt: skip
        parts.append(
            Text(f"{len(reports)} report(s): " + "; ".join(
                visible(f"{r.reporter}: {r.reason}") for r in reports))
        )  # fmt: skip
        if self.item.review:
            parts.append(Text(f"your answer: {self.item.review.action}", style="bold"))
        self.query_one("#qa-case", Static).update(Group(*parts))

    @on(Button.Pressed, "#qa-submit")
    @on(Input.Submitted, "#qa-reasoning")
    def _submit(self) -> None:
        """Send the blind answer for the highlighted case (in a worker)."""
        if not (self.batch_id and self.item):
            self.notify("open a batch and pick a case first", severity="warning")
            return
        action = self.query_one("#qa-action", Select).value
        clauses = [
            c.strip() for c in self.query_one("#qa-clauses", Input).value.replace(",", " ").split()
        ]
        self.call(
            qa.submit_review,
            self.session,
            self.batch_id,
            self.item.decision_id,
            action if isinstance(action, str) else "",  # nothing chosen is Select.NULL
            clauses,
            self.query_one("#qa-reasoning", Input).value,
            done=self._submitted,
            failed=lambda exc: self._show_error("#qa-review-error", exc),
            writes=True,
        )
        self._show_error("#qa-review-error", None)

    def _submitted(self, item: qa.QAItem) -> None:
        """Confirm, clear the reasoning and reload the queue."""
        self.notify(f"review of {item.decision_id} recorded", markup=False)
        self.query_one("#qa-reasoning", Input).value = ""
        self.call(qa.review_queue, self.session, self.batch_id, done=self._queue)

    # -- agreement ------------------------------------------------------------

    def _report(self, report: qa.QAReport) -> None:
        """Fill the agreement tab."""
        scope = report.batch_id or "all batches"
        self.query_one("#qa-report-summary", Static).update(
            Text(
                f"{scope}: {report.reviewed} reviewed, {report.pending} pending · clause "
                "agreement "
                + (
                    "—"
                    if report.clause_agreement is None
                    else f"{report.clause_agreement * 100:.1f}%"
                )
            )
        )
        table = self.query_one("#qa-report", DataTable)
        table.clear()
        rows: list[tuple[str, Agreement | qa.ClauseAgreement]] = [("overall", report.overall)]
        rows += [(r.clause, r) for r in report.per_clause]
        for name, a in rows:
            table.add_row(
                cell(name, 12),
                Text(str(a.n)),
                Text("—" if a.observed is None else f"{a.observed * 100:.1f}%"),
                Text("—" if a.kappa is None else f"{a.kappa:.3f}"),
                Text("—" if a.expected is None else f"{a.expected * 100:.1f}%"),
            )
