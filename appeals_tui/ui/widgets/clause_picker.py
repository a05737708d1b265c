"""Searchable clause picker: type to filter, enter/space toggles, the highlighted clause is shown in full."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.policy import Clause, PolicyLibrary

__all__ = ["ClausePicker", "clause_text"]


def clause_text(clause: Clause, *, versions: list[Clause] | None = None) -> Text:
    """Full text of a clause with allowed actions and examples (library text, still literal)."""
    out = Text()
    out.append(f"{clause.id} v{clause.version} — {clause.title}\n", style="bold")
    out.append(f"family {clause.family} · effective {clause.effective_from}", style="dim")
    if clause.jurisdiction:
        out.append(f" · {clause.jurisdiction}: {clause.legal_basis or ''}", style="dim")
    out.append(f"\n\n{clause.text}\n\n")
    out.append("Allowed actions: ", style="bold")
    out.append(", ".join(clause.actions_allowed) + f"  (strike weight {clause.strike_weight})\n")
    if clause.examples_covered:
        out.append("\nCovered:\n", style="bold green")
        for ex in clause.examples_covered:
            out.append(f"  + {ex}\n")
    if clause.examples_not_covered:
        out.append("\nNot covered:\n", style="bold yellow")
        for ex in clause.examples_not_covered:
            out.append(f"  - {ex}\n")
    if versions and len(versions) > 1:
        out.append("\nVersions:\n", style="bold")
        for v in reversed(versions):
            out.append(f"  v{v.version} from {v.effective_from}: {v.title}\n")
    return out


class ClausePicker(Vertical):
    """Selected clauses are kept in citation order; search never drops a selection."""

    BINDINGS = [
        Binding(
            "space", "toggle_clause", "Toggle clause", id="clause-toggle", tooltip="Cite or uncite"
        ),
    ]

    class Changed(Message):
        def __init__(self, clause_ids: list[str]) -> None:
            super().__init__()
            self.clause_ids = clause_ids

    def __init__(
        self, library: PolicyLibrary, selected: list[str] | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.library = library
        self.selected: list[str] = list(selected or [])

    def compose(self) -> ComposeResult:
        yield Input(placeholder="clause search: id, word…", id="clause-search", compact=True)
        yield OptionList(id="clause-options")
        yield Static(id="clause-selected")
        yield Static(id="clause-detail", classes="clause-detail")

    def on_mount(self) -> None:
        self._fill("")
        self._show_selected()

    def _fill(self, needle: str, *, keep_highlight: bool = True) -> None:
        """List the clauses matching `needle`, cited ones marked, keeping the highlight
        (a new search highlights its best match instead: enter, space cites what it found)."""
        options = self.query_one("#clause-options", OptionList)
        kept = options.highlighted_option if keep_highlight else None
        highlighted = kept.id if kept else None
        options.clear_options()
        found = self.library.search(needle)
        for clause in found:
            mark = "[x] " if clause.id in self.selected else "[ ] "
            options.add_option(
                Option(Text(f"{mark}{clause.id} v{clause.version} — {clause.title}"), id=clause.id)
            )
        if found:
            ids = [c.id for c in found]
            options.highlighted = ids.index(highlighted) if highlighted in ids else 0
        else:  # say why the list is empty, in the list itself (a line that cannot be cited)
            why = Text("no clause matches ", style="dim italic")
            why.append(f"'{needle.strip()}'")
            why.append(" — try an id (KR-1), a title word or clear the search", style="dim")
            options.add_option(Option(why, disabled=True))
            self.query_one("#clause-detail", Static).update("")

    def _show_selected(self) -> None:
        """The line naming the cited clauses."""
        text = Text("Cited: ", style="bold")
        text.append(", ".join(self.selected) if self.selected else "none yet")
        self.query_one("#clause-selected", Static).update(text)

    def set_selected(self, clause_ids: list[str]) -> None:
        """Cite exactly `clause_ids` (a loaded draft)."""
        self.selected = list(clause_ids)
        self._fill(self.query_one("#clause-search", Input).value)
        self._show_selected()
        self.post_message(self.Changed(list(self.selected)))

    def toggle(self, clause_id: str) -> None:
        """Cite or uncite one clause and tell the form."""
        if clause_id in self.selected:
            self.selected.remove(clause_id)
        else:
            self.selected.append(clause_id)
        self.set_selected(self.selected)

    def action_toggle_clause(self) -> None:
        """Cite or uncite the highlighted clause (not DOMNode's `toggle`, which flips
        a boolean attribute by name)."""
        option = self.query_one("#clause-options", OptionList).highlighted_option
        if option is not None and option.id:
            self.toggle(option.id)

    @on(Input.Changed, "#clause-search")
    def _search(self, event: Input.Changed) -> None:
        """Filter the list as the user types."""
        event.stop()
        self._fill(event.value, keep_highlight=False)

    @on(Input.Submitted, "#clause-search")
    def _to_list(self, event: Input.Submitted) -> None:
        """Enter in the search box moves to the list."""
        event.stop()
        self.query_one("#clause-options", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#clause-options")
    def _detail(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted clause's text."""
        event.stop()
        if event.option.id:
            clause = self.library.latest(event.option.id)
            self.query_one("#clause-detail", Static).update(clause_text(clause))

    @on(OptionList.OptionSelected, "#clause-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a clause cites or uncites it."""
        event.stop()
        if event.option.id:
            self.toggle(event.option.id)
