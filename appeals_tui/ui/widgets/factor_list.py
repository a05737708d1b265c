"""The rubric's ten questions as one list: ↑/↓ move, `y`/`n` answer (and move on).

Every factor starts unanswered ("?") and stays out of the draft until answered, so
a decision can never be saved on answers nobody gave. One Tab stop for all ten.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...domain.models import FACTORS
from ...domain.policy import PolicyLibrary

__all__ = ["FactorList", "answer_word"]


def answer_word(answer: bool | None) -> str:
    """The answer as a word, readable without colour."""
    return {True: "yes", False: "no ", None: " ? "}[answer]


class FactorList(OptionList):
    """One row per factor: `[yes] name  question`; unanswered rows read `[ ? ]`."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="factor-yes", tooltip="Answer the factor yes"),
        Binding("n", "answer(False)", "No", id="factor-no", tooltip="Answer the factor no"),
        Binding(
            "backspace,delete",
            "answer(None)",
            "Clear",
            id="factor-clear",
            tooltip="Unanswer the factor",
            show=False,
        ),
        Binding(
            "space",
            "cycle",
            "Toggle",
            id="factor-toggle",
            tooltip="Toggle yes/no",
            show=False,
        ),
    ]

    class Changed(Message):
        """An answer changed; `factors` holds the answered factors only."""

        def __init__(self, factors: dict[str, bool]) -> None:
            super().__init__()
            self.factors = factors

    def __init__(
        self, library: PolicyLibrary, factors: dict[str, bool] | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.library = library
        self.answers: dict[str, bool | None] = {name: (factors or {}).get(name) for name in FACTORS}

    def on_mount(self) -> None:
        self.add_options([self._option(name) for name in FACTORS])
        self.highlighted = 0

    def _option(self, name: str) -> Option:
        """One factor's line: its answer (yes, no or unanswered) and its question."""
        answer = self.answers[name]
        info = self.library.factors.get(name)
        style = {True: "bold reverse", False: "reverse", None: "bold"}[answer]
        prompt = Content.assemble(
            ("[", "dim"),
            (answer_word(answer), style),
            ("] ", "dim"),
            (name, "bold" if answer is None else ""),
            "  ",
            (info.question if info else "", "dim"),
        )
        return Option(prompt, id=name)

    @property
    def factors(self) -> dict[str, bool]:
        """The answered factors (unanswered ones are absent: the service names them)."""
        return {name: value for name, value in self.answers.items() if value is not None}

    @property
    def unanswered(self) -> list[str]:
        """Factors not answered yet (a decision needs every one)."""
        return [name for name, value in self.answers.items() if value is None]

    def set_factors(self, factors: dict[str, bool] | None) -> None:
        """Answer the factors as in `factors` (missing ones unanswered) and tell the form."""
        self.answers = {name: (factors or {}).get(name) for name in FACTORS}
        self._redraw()
        self.post_message(self.Changed(self.factors))

    def set_answer(self, name: str, answer: bool | None) -> None:
        """Answer one factor and tell the form."""
        self.answers[name] = answer
        self._redraw(name)
        self.post_message(self.Changed(self.factors))

    def _redraw(self, only: str | None = None) -> None:
        """Redraw every line, or only `only`'s."""
        for index, name in enumerate(FACTORS):
            if only is None or name == only:
                self.replace_option_prompt_at_index(index, self._option(name).prompt)

    def _current(self) -> str | None:
        """The factor under the cursor, or None."""
        if self.highlighted is None:
            return None
        return FACTORS[self.highlighted]

    def action_answer(self, answer: bool | None) -> None:
        name = self._current()
        if name is None:
            return
        self.set_answer(name, answer)
        if answer is not None and self.highlighted is not None:
            # on to the next unanswered factor below, else simply the next row
            later = [i for i, n in enumerate(FACTORS) if i > self.highlighted]
            pending = [i for i in later if self.answers[FACTORS[i]] is None]
            if pending or later:
                self.highlighted = (pending or later)[0]

    def action_cycle(self) -> None:
        name = self._current()
        if name is not None:
            self.set_answer(name, not self.answers[name])

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        # enter or a click: toggle the row (mouse users answer by clicking)
        event.stop()
        name = event.option.id
        if name in self.answers:
            self.highlighted = event.option_index
            self.set_answer(name, not self.answers[name])
