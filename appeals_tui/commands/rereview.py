"""`appeals rereview list|confirm|supersede`: the leads' queue after a policy publish."""

from __future__ import annotations

from dataclasses import asdict

import click

from ..cli import common, emit, parse_factors, session, split_multi


@click.group("rereview")
def rereview() -> None:
    """Re-review the standing decisions a published policy change affects (leads)."""


@rereview.command("list")
@common
@click.option("--version", "library_version", help="Library version (default: the one in force).")
@click.option("--pending", is_flag=True, help="Only the items still to do.")
@click.pass_context
def list_cmd(ctx: click.Context, library_version: str | None, pending: bool) -> None:
    """The decisions a publish asked to re-review, with progress ("k of n done")."""
    from ..services.rereview import PENDING, rereview_queue

    queue = rereview_queue(session(ctx), library_version)
    items = [i for i in queue.items if not pending or i.status == PENDING]

    def human() -> str:
        lines = [f"re-review for policy library {queue.library_version}: {queue.progress()}"]
        for i in items:
            lines.append(
                f"  {i.decision_id:<10} {i.case_id:<9} {i.moderator:<10} {i.action:<15} "
                f"guidance {i.old_action} -> {i.new_action} ({i.new_clause})  {i.status}"
                + (f" by {i.by}" if i.by else "")
                + (f" -> {i.new_decision_id}" if i.new_decision_id else "")
            )
        return "\n".join(lines)

    emit(
        ctx,
        {
            "library_version": queue.library_version,
            "total": queue.total,
            "done": queue.done,
            "pending": queue.pending,
            "items": [asdict(i) for i in items],
        },
        human,
    )


@rereview.command("confirm")
@common
@click.argument("decision_id")
@click.option("--reason", required=True, help="Why the decision stands under the new policy.")
@click.pass_context
def confirm_cmd(ctx: click.Context, decision_id: str, reason: str) -> None:
    """Keep DECISION_ID as it is: the confirmation is recorded; no new decision."""
    from ..services.rereview import confirm_rereview

    item = confirm_rereview(session(ctx), decision_id, reason)
    emit(ctx, asdict(item), f"{decision_id}: confirmed under policy {item.library_version}")


@rereview.command("supersede")
@common
@click.argument("decision_id")
@click.option("--action", required=True, help="The new decision's action.")
@click.option("--clause", "clauses", multiple=True, required=True, help="Clause id (repeatable).")
@click.option("--reasoning", required=True, help="Why the decision changes.")
@click.option(
    "--factor", "factors", multiple=True, help="NAME=yes|no (default: the old decision's answers)."
)
@click.option("--divergence-reason", default=None, help="Required when departing from guidance.")
@click.option("--expected-version", type=int, help="Refuse (exit 4) if the case changed.")
@click.pass_context
def supersede_cmd(
    ctx: click.Context,
    decision_id: str,
    action: str,
    clauses: tuple[str, ...],
    reasoning: str,
    factors: tuple[str, ...],
    divergence_reason: str | None,
    expected_version: int | None,
) -> None:
    """Replace DECISION_ID with a new decision under the library in force (it supersedes
    the old one, as an appeal's modify does; the old one stays in history)."""
    from ..services.decisions import DecisionDraft
    from ..services.rereview import supersede_rereview

    sess = session(ctx)
    draft = DecisionDraft(
        action=action,
        clause_ids=split_multi(clauses),
        factors=parse_factors(factors) if factors else {},
        reasoning=reasoning,
        divergence_reason=divergence_reason,
    )
    item = supersede_rereview(sess, decision_id, draft, expected_version=expected_version)
    emit(
        ctx,
        asdict(item),
        f"{decision_id}: superseded by {item.new_decision_id} ({action}) under policy "
        f"{item.library_version}",
    )


def register(cli: click.Group) -> None:
    cli.add_command(rereview)
