"""`appeals networks`: accounts linked by shared contacts or near-duplicate content."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..cli import common, emit, one_line, session

if TYPE_CHECKING:
    from ..services.networks import CaseLinks, Network


def _listed(items: list[str], members: int | None) -> str:
    """The first `members` items (all if None), saying how many more there are."""
    shown = items if members is None else items[:members]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" … (+{more} more)" if more else "")


def _network_lines(found: list[Network], members: int | None) -> list[str]:
    flagged = sum(n.inconsistent for n in found)
    lines = [f"{len(found)} network(s), {flagged} treated inconsistently"]
    for n in found:
        actions = ", ".join(f"{a} {c}" for a, c in n.decisions_by_action.items()) or "none"
        lines += [
            "",
            f"{n.network_id}  {len(n.accounts)} accounts, {len(n.cases)} cases "
            f"({len(n.open_cases)} open), decisions: {actions}"
            + ("  INCONSISTENT" if n.inconsistent else ""),
            "  accounts: " + one_line(_listed(n.accounts, members), 200),
            "  linked by: " + one_line("; ".join(n.links[:members]), 200),
        ]
        for problem in n.inconsistencies[:members]:
            split = "; ".join(f"{a}: {_listed(cs, members)}" for a, cs in problem.actions.items())
            lines.append(f"  ! {one_line(problem.via, 60)} -> {split}")
        if len(n.inconsistencies) > len(n.inconsistencies[:members]):
            lines.append(f"  ! … {len(n.inconsistencies)} links treated inconsistently in all")
        if n.open_cases:
            lines.append("  open cases: " + _listed(n.open_cases, members))
    return lines


def _link_lines(links: CaseLinks) -> list[str]:
    lines = [
        f"{links.case_id} @{one_line(links.account, 40)}: contacts "
        + (", ".join(links.contacts) or "none"),
        f"{links.total} linked case(s) on {links.account_total}"
        + ("+" if links.accounts_capped else "")
        + " other account(s)",
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
@click.option(
    "--members",
    type=click.IntRange(0),
    default=100,
    show_default=True,
    help="Accounts, cases, links and inconsistencies listed per network (counts are whole).",
)
@click.option(
    "--members-page",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Which page of --members to list (--json).",
)
@click.option("--all-members", is_flag=True, help="List every member (may be very long).")
@click.pass_context
def networks_cmd(
    ctx: click.Context,
    case_id: str,
    limit: int,
    members: int,
    members_page: int,
    all_members: bool,
) -> None:
    """Accounts linked by a shared contact, near-duplicate content or a matching image
    (leads), and for one case (--case, anyone on the roster) the other accounts' cases
    it is linked to."""
    from ..services import networks

    s = session(ctx)
    if case_id:
        links = networks.links_for_case(s, case_id, limit=limit)
        emit(ctx, links, "\n".join(_link_lines(links)))
        return
    found = networks.list_networks(s)
    per_list = None if all_members else members
    emit(
        ctx,
        [n.to_dict(per_list, members_page) for n in found],
        "\n".join(_network_lines(found, per_list)),
    )


def register(cli: click.Group) -> None:
    cli.add_command(networks_cmd)
