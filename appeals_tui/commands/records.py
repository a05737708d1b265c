"""`appeals history` and `appeals export`."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..cli import F, common, emit_rows, one_line, parse_factors, session, wants_json
from ..domain.text import visible
from ..jsonout import encode

if TYPE_CHECKING:
    from ..services.history import HistoryFilter


def history_filter_options(func: F) -> F:
    """The history filters, shared by `history` and `export decisions`."""
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


def build_filter(
    moderator: str | None,
    clause: str | None,
    action: str | None,
    factors: tuple[str, ...],
    outcome: str | None,
    since: str | None,
    until: str | None,
    text: str | None,
    current_only: bool,
) -> HistoryFilter:
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
def history_cmd(ctx: click.Context, /, limit: int | None, offset: int, **filters: Any) -> None:
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
                f"{d.decision_id:<10} {d.decided_at[:10]} {d.moderator:<10} "
                f"{d.action:<16} {','.join(d.clause_ids):<12} "
                f"{one_line(d.reasoning, 50)}"
                for d in page.items
            )
            + f"\n({len(page.items)} of {page.total})"
        )

    emit_rows(ctx, page.items, human)


@click.group("export")
def export() -> None:
    """Export records."""


@export.command("decisions")
@common
@click.option(
    "--format", "fmt", required=True, type=click.Choice(["csv", "jsonl", "sor", "sor-api"])
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="File to write (default stdout); for sor-api, the folder to write.",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists (a regular file only).")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="sor/sor-api: list statements the DSA database would refuse and write the rest.",
)
@history_filter_options
@click.pass_context
def export_decisions_cmd(
    ctx: click.Context, /, fmt: str, out: Path, force: bool, skip_invalid: bool, **filters: Any
) -> None:
    """Export decisions as CSV, JSON lines or DSA statements of reasons.

    sor writes one statement per line; sor-api writes a folder of files of at most
    100 statements each, shaped for the database's multi-statement endpoint, and a
    manifest. Every statement is checked against the database's rules first.
    """
    from ..services.export import export_decisions, export_to_path

    if fmt == "sor-api" and out is None:
        raise click.UsageError("--format sor-api writes a folder: give --out FOLDER")
    from .progress import long_work

    sess = session(ctx)
    flt = build_filter(**filters)
    if out is not None:
        stopped = "stopped; the partial export was removed"
    elif fmt == "sor":
        stopped = "stopped; nothing was written"  # statements are held back until all pass
    else:
        stopped = "stopped; the output above is incomplete"
    with long_work(ctx, "exporting", stopped=stopped) as progress:
        if out is None:
            _utf8_stdout()
            result = export_decisions(
                sess, fmt, sys.stdout, flt, progress, skip_invalid=skip_invalid
            )
        else:
            result = export_to_path(
                sess, fmt, out, flt, progress, skip_invalid=skip_invalid, force=force
            )
    for problem in result.invalid:
        click.echo(f"skipped {visible(problem, keep_newlines=False)}", err=True)
    if wants_json(ctx):
        # stdout carries the records when there is no --out; the summary goes beside them
        click.echo(encode(result.as_dict(), indent=True).decode(), err=out is None)
    else:
        click.echo(f"chain head {result.chain_head} (`appeals verify --expect` it later)", err=True)
        click.echo(visible(result.summary(), keep_newlines=False), err=True)


def _utf8_stdout() -> None:
    """Records on stdout are UTF-8, as in a file, whatever the locale says (under LC_ALL=C
    a Korean reasoning was `internal error (UnicodeEncodeError)`)."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None and codecs.lookup(sys.stdout.encoding or "utf-8").name != "utf-8":
        reconfigure(encoding="utf-8")


def register(cli: click.Group) -> None:
    cli.add_command(history_cmd)
    cli.add_command(export)
