"""The policy library (F6): clauses with all their versions, the rubric factors and guidance
rules, a draft's impact before it is published, and the way to the re-review queue."""

from __future__ import annotations

import json
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    DataTable,
    Header,
    Input,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from ...domain.policy import PolicyLibrary
from ...services.policy_impact import PolicyImpact, policy_impact
from ...services.rereview import PublishResult, publish_policy
from ..base import AppealsScreen
from ..keys import Key
from ..services import error_text
from ..text import cell, content
from ..widgets.clause_picker import clause_text
from ..widgets.dialogs import TextPrompt
from ..widgets.footer import AppFooter
from ..widgets.table import Table
from . import MainScreen
from .compare import CompareScreen

__all__ = ["PolicyScreen", "ENTRY", "rubric_text", "impact_text"]

#: Rows the impact table lists (the counts above it always cover every decision).
IMPACT_ROWS = 500


def impact_text(impact: PolicyImpact) -> Text:
    """The impact summary: groups (old action -> new action, clause), counts per clause
    and per moderator."""
    out = Text()
    out.append(
        f"Draft {impact.to_version} (sha256 {impact.draft_sha256[:12]}) against "
        f"{impact.from_version}: ",
        style="bold",
    )
    out.append(
        f"{len(impact.affected)} of {impact.standing} standing decisions would get "
        "different guidance\n"
    )
    for g in impact.groups:
        out.append(f"  {g.old_action} → {g.new_action} ({g.new_clause}): ", style="bold")
        out.append(f"{g.count}   e.g. {', '.join(g.samples)}\n")
    if impact.per_clause:
        out.append("Per clause applied (the decisions' own clauses): ", style="bold")
        out.append(", ".join(f"{k} {v}" for k, v in impact.per_clause.items()) + "\n")
        out.append("Per moderator: ", style="bold")
        out.append(", ".join(f"{k} {v}" for k, v in impact.per_moderator.items()) + "\n")
    out.append(
        "Nothing has changed. P publishes the draft (or `appeals policy publish DRAFT "
        "--reason …`); the decisions below then go to the re-review queue (R).",
        style="dim",
    )
    return out


def rubric_text(library: PolicyLibrary) -> Text:
    """Factors with their questions, then the guidance rules in evaluation order."""
    out = Text()
    out.append(
        f"Rubric {library.rubric_version} · library {library.library_version}\n\n", style="dim"
    )
    out.append("Factors (answer each yes or no)\n", style="bold")
    for info in library.factors.values():
        out.append(f"  {info.name}\n", style="bold")
        out.append(f"    {info.question}\n")
        out.append(f"    {info.help}\n", style="dim")
    out.append("\nGuidance rules (first match wins, most severe first)\n", style="bold")
    for i, rule in enumerate(library.rules, 1):
        out.append(f"  {i}. {rule.id} {rule.name}: ", style="bold")
        out.append(rule.action, style="reverse")
        out.append(f" under {rule.clause}\n")
        out.append(f"     when {json.dumps(rule.when)}\n", style="dim")
        out.append(f"     {rule.explanation}\n")
        for where, ov in rule.jurisdiction_overrides.items():
            out.append(f"     in {where}: {ov.action} under {ov.clause}", style="italic")
            out.append(f" {ov.explanation}\n" if ov.explanation else "\n", style="italic")
    return out


class PolicyScreen(AppealsScreen):
    """Reading the policy as a moderator: what each clause covers and what the rubric recommends."""

    CSS_PATH = "policy.tcss"
    HELP_TITLE = "Policy library"
    HELP_TEXT = (
        "Clauses (search by id, title or text) with examples and versions; the rubric's "
        "factors and rules. Leads: i checks a draft file's impact (which standing decisions "
        "would get different guidance; enter opens one), P publishes it (with a reason), "
        "R opens the re-review queue."
    )
    BINDINGS = [
        Key("slash", "search", "Search", id="policy-search", tooltip="Search clauses", palette="Search clauses", palette_help="Search the policy library"),
        Key(
            "g", "rubric", "Rubric", id="policy-rubric", tooltip="Show the rubric factors and rules", palette="Show rubric", palette_help="Rubric factors and guidance rules"
        ),
        Binding("l", "clauses", "Clauses", id="policy-clauses", tooltip="Show the clause list"),
        Key("i", "impact", "Impact", id="policy-impact", tooltip="A draft's impact (leads)", palette="Draft impact", palette_help="Which decisions a policy draft would change (leads)"),
        Key("P", "publish", "Publish", id="policy-publish", tooltip="Publish the checked draft (leads)", palette="Publish draft", palette_help="Make the checked draft the library in force (leads)"),
        Key("R", "rereview", "Re-review", id="policy-rereview", tooltip="The re-review queue (leads)", palette="Re-review queue", palette_help="Decisions to re-review after a publish (leads)"),
    ]  # fmt: skip

    #: the draft whose impact is shown (what P publishes)
    checked: tuple[Path, PolicyImpact] | None = None

    @property
    def library(self) -> PolicyLibrary:
        """The policy library in force for this session."""
        return self.session.library

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="policy-tabs"):
            with TabPane("Clauses", id="policy-tab-clauses"):
                with Horizontal():
                    with Vertical(id="policy-left"):
                        yield Input(placeholder="/ search clauses", id="policy-search-input")
                        yield OptionList(id="policy-clauses")
                    with VerticalScroll(id="policy-detail-scroll"):
                        yield Static(id="policy-detail")
            with TabPane("Rubric", id="policy-tab-rubric"):
                with VerticalScroll(id="policy-rubric-scroll"):
                    yield Static(rubric_text(self.library), id="policy-rubric")
            with TabPane("Impact", id="policy-tab-impact"):
                yield Input(
                    placeholder="draft file (JSON), enter to check its impact",
                    id="policy-draft-input",
                )
                with VerticalScroll(id="policy-impact-scroll"):
                    yield Static(
                        Text("Give a draft file's path above: nothing changes.", style="dim"),
                        id="policy-impact",
                    )
                table: DataTable[Text] = Table(
                    id="policy-impact-table", cursor_type="row", zebra_stripes=True
                )
                table.add_columns(
                    "decision",
                    "case",
                    "moderator",
                    "decided",
                    "guidance now",
                    "guidance under the draft",
                )
                yield table
        yield AppFooter()

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#policy-clauses", OptionList).focus()

    def _fill(self, needle: str) -> None:
        """List the clauses matching `needle` (id, title or text)."""
        options = self.query_one("#policy-clauses", OptionList)
        options.clear_options()
        for c in self.library.search(needle):
            options.add_option(Option(Text(f"{c.id} v{c.version}  {c.title}"), id=c.id))
        if options.option_count:
            options.highlighted = 0
        else:
            self.query_one("#policy-detail", Static).update(Text("No clause matches.", style="dim"))

    @on(Input.Changed, "#policy-search-input")
    def _search(self, event: Input.Changed) -> None:
        """Filter the clause list as the user types."""
        self._fill(event.value)

    @on(Input.Submitted, "#policy-search-input")
    def _to_list(self) -> None:
        """Enter in the search box moves to the list."""
        self.query_one("#policy-clauses", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#policy-clauses")
    def _show(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted clause with its versions."""
        if event.option.id:
            clause = self.library.latest(event.option.id)
            text = clause_text(clause, versions=self.library.versions(clause.id))
            self.query_one("#policy-detail", Static).update(text)

    def action_search(self) -> None:
        self.query_one(TabbedContent).active = "policy-tab-clauses"
        self.query_one("#policy-search-input", Input).focus()

    def action_rubric(self) -> None:
        # Focus moves into the rubric: focus left in the hidden clause list would pull the
        # Clauses tab back (and the next `g` would be typed into the search box).
        self.query_one(TabbedContent).active = "policy-tab-rubric"
        self.query_one("#policy-rubric-scroll").focus()

    def action_impact(self) -> None:
        self.query_one(TabbedContent).active = "policy-tab-impact"
        self.query_one("#policy-draft-input", Input).focus()

    def action_rereview(self) -> None:
        from .rereview import RereviewScreen

        self.app.push_screen(RereviewScreen())

    def action_publish(self) -> None:
        if self.checked is None:
            self.app.notify("check a draft's impact first (i, then its path)", markup=False)
            self.action_impact()
            return
        path, impact = self.checked

        save = self.saving(publish_policy, self.session, path)

        self.app.push_screen(
            TextPrompt(
                f"Publish {impact.to_version} (replacing {impact.from_version})",
                f"{len(impact.affected)} standing decision(s) will go to the re-review queue. "
                "Why does the policy change?",
                save,
                button="Publish",
            ),
            self._published,
        )

    def _published(self, result: PublishResult | None) -> None:
        """A draft was published (None: cancelled): say so, show the new library and open
        the re-review queue it made."""
        if result is None:
            return
        self.checked = None
        self.app.notify(
            f"published {result.library_version}: {result.rereviews} to re-review", markup=False
        )
        self._fill("")
        self.query_one("#policy-rubric", Static).update(rubric_text(self.library))
        self.action_rereview()

    @on(Input.Submitted, "#policy-draft-input")
    def _check_draft(self, event: Input.Submitted) -> None:
        """Compute a draft's impact (in a worker) before anyone can publish it."""
        path = event.value.strip()
        self.checked = None
        if not path:
            return
        self.query_one("#policy-impact", Static).update(Text("Checking the draft…", style="dim"))
        self.query_one("#policy-impact-table", DataTable).clear()
        self.call(
            policy_impact,
            self.session,
            Path(path).expanduser(),
            done=lambda impact: self._show_impact(impact, Path(path).expanduser()),
            failed=self._impact_failed,
            group="impact",
            exclusive=True,
        )

    def _impact_failed(self, exc: BaseException) -> None:
        """Show why the draft could not be checked."""
        self.query_one("#policy-impact", Static).update(content(error_text(exc)))

    def _show_impact(self, impact: PolicyImpact, path: Path) -> None:
        """Show the draft's impact and the affected decisions to open."""
        self.checked = (path, impact)
        self.query_one("#policy-impact", Static).update(impact_text(impact))
        table = self.query_one("#policy-impact-table", DataTable)
        table.clear()
        for change in impact.changes[:IMPACT_ROWS]:
            table.add_row(
                cell(change.decision_id, 12),
                cell(change.case_id, 10),
                cell(change.moderator, 12),
                cell(change.action, 16),
                cell(f"{change.old_action} ({change.old_clause})", 26),
                cell(f"{change.new_action} ({change.new_clause})", 26),
                key=change.decision_id,
            )
        if len(impact.changes) > IMPACT_ROWS:
            more = len(impact.changes) - IMPACT_ROWS
            self.notify(f"listing the first {IMPACT_ROWS}; {more} more counted above", markup=False)
        if table.row_count:
            table.focus()

    @on(DataTable.RowSelected, "#policy-impact-table")
    def _open_decision(self, event: DataTable.RowSelected) -> None:
        """Open an affected decision in the decision view."""
        if event.row_key.value:
            self.app.push_screen(CompareScreen([str(event.row_key.value)]))

    def action_clauses(self) -> None:
        self.query_one(TabbedContent).active = "policy-tab-clauses"
        self.query_one("#policy-clauses", OptionList).focus()


ENTRY = MainScreen(
    mode="policy",
    title="Policy",
    key="f6",
    description="Policy clauses, versions, rubric factors and guidance rules",
    factory=PolicyScreen,
)
