"""Plots on the consistency dashboard: actions per week and rates per moderator."""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot

from ..text import one_line

__all__ = ["ActionsOverTimePlot", "ModeratorRatesPlot", "ACTION_MARKERS"]

#: One letter per action, so the lines (and the legend) read without colour too.
ACTION_MARKERS = {
    "no_action": "n",
    "label": "l",
    "restrict_reach": "r",
    "geo_block": "g",
    "remove_content": "x",
    "suspend_account": "s",
    "escalate": "e",
}


class ActionsOverTimePlot(PlotextPlot):
    """One line per action: decisions per ISO week (does the mix drift?)."""

    def show(self, per_week: list[dict[str, Any]]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Decisions per action per ISO week")
        weeks = [w["week"] for w in per_week]
        actions = sorted({a for w in per_week for a in w["actions"]})
        xs = list(range(1, len(weeks) + 1))
        for action in actions:
            plt.plot(
                xs,
                [w["actions"].get(action, 0) for w in per_week],
                label=action,
                marker=ACTION_MARKERS.get(action, "*"),
            )
        if weeks:
            step = max(1, len(weeks) // 6)
            plt.xticks(xs[::step], [w[2:] for w in weeks[::step]])
        self.refresh()


class ModeratorRatesPlot(PlotextPlot):
    """Divergence and overturn rate (%) side by side for each moderator."""

    def show(self, rows: list[dict[str, Any]]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Divergence % and overturn % per moderator")
        if rows:
            names = [one_line(r["key"], 12) for r in rows]
            divergence = [round((r["divergence_rate"] or 0) * 100, 1) for r in rows]
            overturn = [round((r["overturn_rate"] or 0) * 100, 1) for r in rows]
            plt.multiple_bar(
                names,
                [divergence, overturn],
                labels=["divergence %", "overturn %"],
                marker=["█", "▒"],  # solid and shaded: tell the bars apart without colour
            )
            plt.ylim(0, 100)
        self.refresh()
