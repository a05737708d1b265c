"""Plots on the consistency dashboard: actions per week and rates per moderator."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from ...services.stats import RateRow, WeekActions
from ..text import one_line

__all__ = [
    "ACTION_MARKERS",
    "ActionsOverTimePlot",
    "ModeratorRatesPlot",
    "WeeklyActionsChart",
    "count_ticks",
    "legend_text",
]

#: One fill per action, so the stacked bars (and the legend) read without colour too.
ACTION_MARKERS = {
    "no_action": "░",
    "label": "▒",
    "restrict_reach": "▓",
    "geo_block": "█",
    "remove_content": "▞",
    "suspend_account": "▚",
    "escalate": "▙",
}


def count_ticks(top: int, rows: int = 4) -> list[int]:
    """Whole-number y ticks from 0 past `top`, at most `rows` + 1 of them (counts, not 2.67)."""
    top = max(top, 1)
    step = max(1, -(-top // rows))
    return list(range(0, top + step, step))


def legend_text(actions: list[str]) -> Text:
    """The legend, outside the plot: each action's fill and name."""
    out = Text()
    for action in actions:
        out.append(ACTION_MARKERS.get(action, "*") * 2 + " ")
        out.append(action + "   ")
    return out


class ActionsOverTimePlot(PlotextPlot):
    """Decisions per ISO week as stacked bars: one fill per action, none hidden."""

    def show(self, per_week: list[WeekActions], actions: list[str]) -> None:
        """Plot `per_week`, one series per action in `actions` (legend order)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Decisions per ISO week, stacked by action")
        weeks = [w.week[2:] for w in per_week]
        if weeks and actions:
            plt.stacked_bar(
                weeks,
                [[w.actions.get(a, 0) for w in per_week] for a in actions],
                # one marker per series: plotext accepts a list, though it annotates str
                marker=[ACTION_MARKERS.get(a, "*") for a in actions],  # type: ignore[arg-type]  # see above
                width=0.6,
            )
            top = max(sum(w.actions.values()) for w in per_week)
            # one tick per few rows of plot (title, frame and week labels take 4)
            height = self.size.height  # 0 while its tab is hidden
            rows = max(1, min(4, (height - 4) // 2)) if height > 0 else 4
            plt.yticks(cast("list[float]", count_ticks(top, rows=rows)))
            if len(weeks) > 6:  # keep week labels apart on narrow terminals
                step = -(-len(weeks) // 6)
                plt.xticks(list(range(1, len(weeks) + 1, step)), weeks[::step])
        self.refresh()


class WeeklyActionsChart(Vertical):
    """The weekly plot with its legend below it (a legend inside would cover the bars)."""

    DEFAULT_CSS = """
    WeeklyActionsChart { height: 15; }
    WeeklyActionsChart ActionsOverTimePlot { height: 1fr; }
    WeeklyActionsChart #weeks-legend { height: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield ActionsOverTimePlot()
        yield Static(id="weeks-legend")

    def show(self, per_week: list[WeekActions]) -> None:
        """Plot the weeks and write the legend of the actions present."""
        present = {a for w in per_week for a, n in w.actions.items() if n}
        actions = [a for a in ACTION_MARKERS if a in present] + sorted(
            present - set(ACTION_MARKERS)
        )
        self.query_one(ActionsOverTimePlot).show(per_week, actions)
        self.query_one("#weeks-legend", Static).update(legend_text(actions))


class ModeratorRatesPlot(PlotextPlot):
    """Divergence and overturn rate (%) side by side for each moderator."""

    def show(self, rows: list[RateRow]) -> None:
        """Plot each moderator's divergence and overturn rate."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Divergence % and overturn % per moderator")
        if rows:
            names = [one_line(r.key, 12) for r in rows]
            divergence = [round((r.divergence_rate or 0) * 100, 1) for r in rows]
            overturn = [round((r.overturn_rate or 0) * 100, 1) for r in rows]
            plt.multiple_bar(
                names,
                [divergence, overturn],
                # solid and shaded: tell the bars apart without colour (a list per series:
                # plotext accepts it, though it annotates str)
                marker=["█", "▒"],  # type: ignore[arg-type]  # see above
            )
            plt.ylim(0, 100)
            plt.yticks([0, 25, 50, 75, 100])
            plt.xlabel("██ divergence %   ▒▒ overturn %")  # the legend, under the plot
        self.refresh()
