"""A checkbox that reads "yes"/"no": on and off differ without colour (plain terminals, screen readers)."""

from __future__ import annotations

from textual.content import Content
from textual.style import Style
from textual.widgets import Checkbox

__all__ = ["YesNoBox"]


class YesNoBox(Checkbox):
    """Textual's Checkbox draws the same `X` for both states and tells them apart by colour only."""

    @property
    def _button(self) -> Content:
        button_style = self.get_visual_style("toggle--button")
        side = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side),
            ("yes" if self.value else "no ", button_style),
            (self.BUTTON_RIGHT, side),
        )
