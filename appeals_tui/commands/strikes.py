"""`appeals strikes ACCOUNT`, `strikes dismiss STRIKE --reason`, `strikes flagged`."""

from __future__ import annotations

import click

from ..cli import common, emit, session
from .defaulting import DefaultGroup


@click.group("strikes", cls=DefaultGroup, default_command="show")
@common
@click.pass_context
def strikes(ctx: click.Context) -> None:
    """Account strikes: `appeals strikes ACCOUNT` shows an account's standing."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@strikes.command("show", hidden=True)
@common
@click.argument("account")
@click.pass_context
def strikes_show(ctx: click.Context, account: str) -> None:
    """An account's strikes and whether it is at the threshold."""
    from ..services.strikes import account_standing

    standing = account_standing(session(ctx), account)
    lines = [
        f"{account}: active weight {standing.active_weight} of {standing.threshold}"
        + (" — FLAGGED for suspension review" if standing.flagged else "")
    ]
    for s in standing.strikes:
        why = f" ({s.reason})" if s.reason else ""
        lines.append(f"  {s.strike_id} {s.at[:10]} w{s.weight} {s.status:<9} {s.decision_id}{why}")
    emit(ctx, standing, "\n".join(lines))


@strikes.command("dismiss")
@common
@click.argument("strike_id")
@click.option("--reason", required=True, help="Why the strike no longer counts (leads).")
@click.pass_context
def strikes_dismiss(ctx: click.Context, strike_id: str, reason: str) -> None:
    """Dismiss a strike (leads only; recorded in the audit log)."""
    from ..services.strikes import dismiss_strike

    doc = dismiss_strike(session(ctx), strike_id, reason)
    emit(ctx, doc, f"{strike_id} dismissed")


@strikes.command("flagged")
@common
@click.pass_context
def strikes_flagged(ctx: click.Context) -> None:
    """Accounts at or over the strike threshold (`appeals config set strike_threshold N`)."""
    from ..services.strikes import flagged_accounts

    rows = flagged_accounts(session(ctx))
    human = "\n".join(
        f"{r.account:<24} weight {r.active_weight} (threshold {r.threshold})" for r in rows
    )
    emit(ctx, rows, human or "no accounts at the threshold")


def register(cli: click.Group) -> None:
    cli.add_command(strikes)
