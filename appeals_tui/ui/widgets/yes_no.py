"""Toggles whose state reads without colour (plain terminals, screen readers, colour blindness).

Textual's Checkbox, RadioButton and SelectionList draw the same `X`/`●` for both
states and tell them apart by colour only.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton

__all__ = ["YesNoBox", "YesNoSelectionList", "ChoiceButton"]


def _word(on: bool) -> str:
    """The word the switch shows, padded to one width."""
    return "yes" if on else "no "


class YesNoBox(Checkbox):
    """A Checkbox whose button shows "yes" or "no"."""

    @property
    def _button(self) -> Content:
        """The switch drawn with the word in it."""
        button_style = self.get_visual_style("toggle--button")
        side = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side),
            (_word(self.value), button_style),
            (self.BUTTON_RIGHT, side),
        )


class ChoiceButton(RadioButton):
    """A RadioButton whose button shows `●` when chosen and `○` when not."""

    @property
    def _button(self) -> Content:
        """The switch drawn as a filled or empty circle."""
        button_style = self.get_visual_style("toggle--button")
        side = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side),
            ("●" if self.value else "○", button_style),
            (self.BUTTON_RIGHT, side),
        )


class YesNoSelectionList(SelectionList[Any]):
    """A SelectionList whose per-row buttons show "yes" or "no"."""

    def _get_left_gutter_width(self) -> int:
        """Room for the word instead of Textual's one-character button."""
        return super()._get_left_gutter_width() + len(_word(True)) - len(ToggleButton.BUTTON_INNER)

    def render_line(self, y: int) -> Strip:
        """Textual's line with its button replaced by the yes/no word."""
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        index = self.scroll_offset.y + y
        on = self.get_option_at_index(index).value in self.selected
        segments[1] = Segment(_word(on), segments[1].style)
        return Strip(segments)
