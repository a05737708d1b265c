"""The rubric's ten yes/no questions as checkboxes that read "yes"/"no"."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox

from ...domain.models import FACTORS
from ...domain.policy import PolicyLibrary
from .yes_no import YesNoBox

__all__ = ["FactorChecklist"]


class FactorChecklist(Vertical):
    """Every factor is always answered: unchecked means "no", so a draft is never partial."""

    class Changed(Message):
        """A factor answer changed; `factors` holds all ten answers."""

        def __init__(self, factors: dict[str, bool]) -> None:
            super().__init__()
            self.factors = factors

    def __init__(
        self, library: PolicyLibrary, factors: dict[str, bool] | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.library = library
        self._initial = dict(factors or {})

    def compose(self) -> ComposeResult:
        for name in FACTORS:
            info = self.library.factors.get(name)
            question = info.question if info else name
            box = YesNoBox(
                Content.assemble((name, "bold"), "  ", question),
                value=bool(self._initial.get(name, False)),
                id=f"factor-{name}",
                compact=True,
            )
            if info is not None:
                box.tooltip = Content(info.help)
            yield box

    @property
    def factors(self) -> dict[str, bool]:
        """Every factor's answer as ticked now."""
        return {name: self.query_one(f"#factor-{name}", Checkbox).value for name in FACTORS}

    def set_factors(self, factors: dict[str, bool]) -> None:
        """Tick the boxes as `factors` says (without reporting each as a change)."""
        for name in FACTORS:
            box = self.query_one(f"#factor-{name}", Checkbox)
            with box.prevent(Checkbox.Changed):
                box.value = bool(factors.get(name, False))
        self.post_message(self.Changed(self.factors))

    @on(Checkbox.Changed)
    def _changed(self, event: Checkbox.Changed) -> None:
        """A box changed: report the whole answer set once."""
        event.stop()
        self.post_message(self.Changed(self.factors))
