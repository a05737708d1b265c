"""`appeals history` and `appeals export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli import common, emit_rows, one_line, parse_factors, session, wants_json


def history_filter_options(func):
    for option in reversed(
        [
            click.option("--moderator"),
            click.option("--clause"),
            click.option("--action"),
            click.option("--factor", "factors", multiple=True, help="NAME=yes|no (repeatable)."),
            click.option(
                "--outcome",
                type=click.Choice(["upheld", "overturned", "modified", "none", "pending"]),
            ),
            click.option("--since", help="YYYY-MM-DD or ISO timestamp."),
            click.option("--until", help="YYYY-MM-DD or ISO timestamp (exclusive)."),
            click.option("--search", "text", help="Text in reasoning, ids or account."),
            click.option("--current-only", is_flag=True, help="Leave out superseded decisions."),
        ]
    ):
        func = option(func)
    return func


def build_filter(moderator, clause, action, factors, outcome, since, until, text, current_only):
    from ..services.history import HistoryFilter, parse_since

    return HistoryFilter(
        moderator=moderator,
        clause=clause,
        action=action,
        factor=parse_factors(factors) if factors else None,
        outcome=outcome,
        since=parse_since(since),
        until=parse_since(until, "until"),
        text=text,
        include_superseded=not current_only,
    )


@click.command("history")
@common
@history_filter_options
@click.option(
    "--limit",
    default=None,
    type=click.IntRange(1, 1_000_000),
    help="Page size (default 50; all with --json).",
)
@click.option("--offset", default=0, type=click.IntRange(0))
@click.pass_context
def history_cmd(ctx, limit, offset, **filters) -> None:
    """Every decision, newest first, superseded ones included."""
    from itertools import islice

    from ..services.history import history, iter_history

    sess, flt = session(ctx), build_filter(**filters)
    if wants_json(ctx):  # streamed as found: `| head -1` needs only the newest decisions
        stop = None if limit is None else offset + limit
        emit_rows(ctx, islice(iter_history(sess, flt), offset, stop), str)
        return
    page = history(sess, flt, offset=offset, limit=limit or 50)

    def human() -> str:
        return (
            "\n".join(
                f"{d['decision_id']:<10} {d['decided_at'][:10]} {d['moderator']:<10} "
                f"{d['action']:<16} {','.join(c['id'] for c in d['clauses']):<12} "
                f"{one_line(d['reasoning'], 50)}"
                for d in page.decisions
            )
            + f"\n({len(page.decisions)} of {page.total})"
        )

    emit_rows(ctx, page.decisions, human)


@click.group("export")
def export() -> None:
    """Export records."""


@export.command("decisions")
@common
@click.option("--format", "fmt", required=True, type=click.Choice(["csv", "jsonl", "sor"]))
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default stdout)."
)
@history_filter_options
@click.pass_context
def export_decisions_cmd(ctx, fmt, out, **filters) -> None:
    """Export decisions as CSV, JSON lines or DSA statements of reasons."""
    from ..services.export import export_decisions, export_to_path

    sess = session(ctx)
    flt = build_filter(**filters)
    if out is None:
        count = export_decisions(sess, fmt, sys.stdout, flt)
    else:
        count = export_to_path(sess, fmt, out, flt)
    click.echo(f"exported {count} record(s)" + (f" to {out}" if out else ""), err=True)


def register(cli: click.Group) -> None:
    cli.add_command(history_cmd)
    cli.add_command(export)
