"""`appeals networks`: accounts linked by shared contacts or near-duplicate content."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..cli import common, emit, one_line, session

if TYPE_CHECKING:
    from ..services.networks import CaseLinks, Network


def _network_lines(found: list[Network]) -> list[str]:
    flagged = sum(n.inconsistent for n in found)
    lines = [f"{len(found)} network(s), {flagged} treated inconsistently"]
    for n in found:
        actions = ", ".join(f"{a} {c}" for a, c in n.decisions_by_action.items()) or "none"
        lines += [
            "",
            f"{n.network_id}  {len(n.accounts)} accounts, {len(n.cases)} cases "
            f"({len(n.open_cases)} open), decisions: {actions}"
            + ("  INCONSISTENT" if n.inconsistent else ""),
            "  accounts: " + one_line(", ".join(n.accounts), 200),
            "  linked by: " + one_line("; ".join(n.links), 200),
        ]
        for problem in n.inconsistencies:
            split = "; ".join(f"{a}: {', '.join(cs)}" for a, cs in problem.actions.items())
            lines.append(f"  ! {one_line(problem.via, 60)} -> {split}")
        if n.open_cases:
            lines.append("  open cases: " + ", ".join(n.open_cases))
    return lines


def _link_lines(links: CaseLinks) -> list[str]:
    lines = [
        f"{links.case_id} @{one_line(links.account, 40)}: contacts "
        + (", ".join(links.contacts) or "none"),
        f"{links.total} linked case(s) on {len(links.accounts)} other account(s)",
    ]
    for x in links.linked:
        decided = f"{x.action} ({', '.join(x.clauses)})" if x.action else x.status
        lines.append(
            f"  {x.case_id:<10} @{one_line(x.account, 24):<25} {decided:<30} via "
            + one_line("; ".join(x.via), 80)
        )
    return lines


@click.command("networks")
@common
@click.option("--case", "case_id", help="Show what one case is linked to instead.")
@click.option(
    "--limit", type=click.IntRange(0), default=50, show_default=True, help="Linked cases shown."
)
@click.pass_context
def networks_cmd(ctx: click.Context, case_id: str, limit: int) -> None:
    """Accounts linked by a shared contact or near-duplicate content (leads), and for one
    case (--case, anyone on the roster) the other accounts' cases it is linked to."""
    from ..services import networks

    s = session(ctx)
    if case_id:
        links = networks.links_for_case(s, case_id, limit=limit)
        emit(ctx, links, "\n".join(_link_lines(links)))
        return
    found = networks.list_networks(s)
    emit(ctx, found, "\n".join(_network_lines(found)))


def register(cli: click.Group) -> None:
    cli.add_command(networks_cmd)
