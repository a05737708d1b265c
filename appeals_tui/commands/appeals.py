"""`appeals appeal file|claim|resolve|list`."""

from __future__ import annotations

import click

from ..cli import common, emit, one_line, parse_factors, session, split_multi


@click.group("appeal")
def appeal() -> None:
    """File and resolve appeals."""


@appeal.command("file")
@common
@click.argument("decision_id")
@click.option("--grounds", required=True, help="What the user says is wrong.")
@click.option("--appellant", default=None, help="Who appeals (default: the account).")
@click.option("--new-information", default="", help="Anything new the user provides.")
@click.pass_context
def appeal_file(
    ctx: click.Context, decision_id: str, grounds: str, appellant: str | None, new_information: str
) -> None:
    """File an appeal against DECISION_ID."""
    from ..services.appeals import file_appeal

    result = file_appeal(session(ctx), decision_id, grounds, appellant, new_information)
    emit(
        ctx,
        result,
        f"filed {result.appeal_id} against {decision_id}; due {result.due_at[:10]}",
    )


@appeal.command("claim")
@common
@click.argument("appeal_id")
@click.pass_context
def appeal_claim(ctx: click.Context, appeal_id: str) -> None:
    """Take an appeal for review (never one of your own decisions)."""
    from ..services.appeals import claim_appeal

    doc = claim_appeal(session(ctx), appeal_id)
    emit(ctx, doc, f"reviewing {appeal_id}")


@appeal.command("resolve")
@common
@click.argument("appeal_id")
@click.option("--outcome", required=True, type=click.Choice(["upheld", "overturned", "modified"]))
@click.option("--reasoning", required=True)
@click.option(
    "--action", default=None, help="New action (modified; overturned defaults to no_action)."
)
@click.option("--clause", "clauses", multiple=True)
@click.option(
    "--factor", "factors", multiple=True, help="Corrected factors, if the review changed them."
)
@click.pass_context
def appeal_resolve(
    ctx: click.Context,
    appeal_id: str,
    outcome: str,
    reasoning: str,
    action: str | None,
    clauses: tuple[str, ...],
    factors: tuple[str, ...],
) -> None:
    """Resolve an appeal: upheld, overturned or modified."""
    from ..services.appeals import resolve_appeal

    doc = resolve_appeal(
        session(ctx),
        appeal_id,
        outcome,
        reasoning,
        action=action,
        clause_ids=split_multi(clauses) or None,
        factors=parse_factors(factors) if factors else None,
    )
    extra = f"; new decision {doc.new_decision_id}" if doc.new_decision_id else ""
    emit(ctx, doc, f"{appeal_id} {outcome}{extra}")


@appeal.command("list")
@common
@click.option("--status", multiple=True, type=click.Choice(["open", "in_review", "resolved"]))
@click.option("--clause")
@click.option("--moderator")
@click.option("--overdue", is_flag=True)
@click.pass_context
def appeal_list(
    ctx: click.Context, status: tuple[str, ...], clause: str, moderator: str, overdue: bool
) -> None:
    """Appeals waiting for review, earliest due first."""
    from ..services.appeals import AppealFilter, list_appeals

    flt = AppealFilter(
        status=set(status) or {"open", "in_review"},
        clause=clause,
        moderator=moderator,
        overdue_only=overdue,
    )
    rows = list_appeals(session(ctx), flt)
    human = (
        "\n".join(
            f"{r.appeal.appeal_id:<9} {r.appeal.status:<9} due {r.appeal.due_at[:10]}"
            f"{' OVERDUE' if r.overdue else ''} "
            f"{r.appeal.decision_id} {one_line(r.appeal.grounds, 50)}"
            for r in rows
        )
        or "no appeals"
    )
    emit(ctx, rows, human)


def register(cli: click.Group) -> None:
    cli.add_command(appeal)
