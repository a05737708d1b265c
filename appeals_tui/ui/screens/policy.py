"""The policy library (F6): clauses with all their versions, the rubric factors and guidance rules."""

from __future__ import annotations

import json

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Input, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from ...domain.policy import PolicyLibrary
from ..base import AppealsScreen
from ..widgets.clause_picker import clause_text
from . import MainScreen

__all__ = ["PolicyScreen", "ENTRY", "rubric_text"]


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
    HELP_TEXT = "Clauses (search by id, title or text) with examples and versions; the rubric's factors and rules."
    BINDINGS = [
        Binding("slash", "search", "Search", id="policy-search", tooltip="Search clauses"),
        Binding(
            "g", "rubric", "Rubric", id="policy-rubric", tooltip="Show the rubric factors and rules"
        ),
        Binding("l", "clauses", "Clauses", id="policy-clauses", tooltip="Show the clause list"),
    ]
    PALETTE = [
        ("Search clauses", "Search the policy library", "search"),
        ("Show rubric", "Rubric factors and guidance rules", "rubric"),
    ]

    @property
    def library(self) -> PolicyLibrary:
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
        yield Footer()

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#policy-clauses", OptionList).focus()

    def _fill(self, needle: str) -> None:
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
        self._fill(event.value)

    @on(Input.Submitted, "#policy-search-input")
    def _to_list(self) -> None:
        self.query_one("#policy-clauses", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#policy-clauses")
    def _show(self, event: OptionList.OptionHighlighted) -> None:
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
