"""The dashboard's networks table: linked accounts, how they were decided, and the split.

Enter on a network opens the open cases of all its accounts as one batch. Account
names and contacts are report data, shown literally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from ...services.networks import Network
from ..text import cell, one_line
from .table import Table

__all__ = ["NetworksPanel", "network_info"]

#: members of a network named on screen (a network can hold most of a workspace)
SHOWN = 20


def network_info(n: Network) -> Text:
    """What ties a network together and where its accounts' decisions differ."""
    out = Text()
    out.append(f"{n.network_id}: ", style="bold")
    out.append(one_line(", ".join("@" + a for a in n.accounts[:SHOWN]), 300))
    out.append("\nlinked by: ", style="dim")
    out.append(one_line("; ".join(n.links[:SHOWN]), 300))
    for problem in n.inconsistencies[:SHOWN]:
        out.append("\n⚠ ", style="bold red")
        out.append(one_line(problem.via, 60))
        split = "; ".join(
            f"{a}: {', '.join(cs[:SHOWN])}" + (f" (+{len(cs) - SHOWN})" if len(cs) > SHOWN else "")
            for a, cs in problem.actions.items()
        )
        out.append(f" → {one_line(split, 300)}")
    if len(n.inconsistencies) > SHOWN:
        out.append(f"\n⚠ … {len(n.inconsistencies)} links treated inconsistently in all")
    return out


class NetworksPanel(Vertical):
    """A table of networks; highlighting shows its links, enter asks to work its open cases."""

    @dataclass
    class OpenBatch(Message):
        network_id: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.networks: dict[str, Network] = {}

    def compose(self) -> ComposeResult:
        yield Static("loading networks…", id="networks-summary")
        yield Table(id="networks", cursor_type="row", zebra_stripes=True)
        yield Static("", id="network-info")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "network", "accounts", "cases", "open", "decisions", "treated"
        )

    def show(self, found: list[Network]) -> None:
        """Fill the table (inconsistent networks flagged) and the summary line."""
        self.networks = {n.network_id: n for n in found}
        flagged = sum(n.inconsistent for n in found)
        self.query_one("#networks-summary", Static).update(
            Text(
                f"{len(found)} network(s) of accounts linked by a contact, near-duplicate "
                f"content or a matching image · {flagged} treated inconsistently · "
                "enter: work its open cases",
                style="bold red" if flagged else "",
            )
        )
        table = self.query_one(DataTable)
        table.clear()
        for n in found:
            actions = " ".join(f"{a}×{c}" for a, c in n.decisions_by_action.items())
            table.add_row(
                cell(n.network_id, 12),
                Text(str(len(n.accounts)), justify="right"),
                Text(str(len(n.cases)), justify="right"),
                Text(str(len(n.open_cases)), justify="right"),
                cell(actions or "—", 40),
                Text("⚠ inconsistent", style="bold red") if n.inconsistent else Text("alike"),
                key=n.network_id,
            )
        if found:
            self.query_one("#network-info", Static).update(network_info(found[0]))

    def failed(self, message: str) -> None:
        """Show why the networks could not be read."""
        self.query_one("#networks-summary", Static).update(Text(message, style="bold red"))

    @on(DataTable.RowHighlighted, "#networks")
    def _info(self, event: DataTable.RowHighlighted) -> None:
        """Describe the highlighted network below the table."""
        n = self.networks.get(event.row_key.value or "")
        if n is not None:
            self.query_one("#network-info", Static).update(network_info(n))

    @on(DataTable.RowSelected, "#networks")
    def _open(self, event: DataTable.RowSelected) -> None:
        """Enter on a network asks the screen to open its open cases in batch."""
        if event.row_key.value:
            self.post_message(self.OpenBatch(event.row_key.value))
