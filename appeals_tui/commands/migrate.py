"""`appeals migrate --to postgresql://...|DIR`: move a workspace between backends."""

from __future__ import annotations

import sys

import click

from ..cli import common, emit, target, wants_json


@click.command("migrate")
@common
@click.option(
    "--to",
    "to",
    required=True,
    help="An empty PostgreSQL database (postgresql://...) or a new workspace folder.",
)
@click.pass_context
def migrate_cmd(ctx: click.Context, to: str) -> None:
    """Copy this workspace (or --database) into an empty target of the other kind.

    Every record, setting, id counter and audit event is copied verbatim; afterwards
    the counts match and both sides verify with the same chain head. A target that
    already holds anything is refused. Copying into PostgreSQL needs a role that may
    create tables and roles there (the database owner); copying out needs one that
    may read every table.
    """
    from ..services.maintenance import is_url, migrate_workspace

    source = target(ctx)
    dest: str = to if is_url(to) else str(click.format_filename(to))
    progress = None
    bar = None
    if sys.stderr.isatty() and not wants_json(ctx):
        from rich.progress import Progress, TaskID

        bar = Progress(transient=True)
        bar.start()
        tasks: dict[str, TaskID] = {}

        def progress(what: str, n: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(f"copying {what}", total=None)
            bar.advance(tasks[what], n)

    try:
        result = migrate_workspace(source, dest, progress)
    finally:
        if bar is not None:
            bar.stop()
    lines = [f"migrated {result.source} -> {result.target}"]
    lines += [f"  {t:<10} {n:>9}" for t, n in result.counts.items()]
    lines.append(f"  events     {result.events:>9}   head {result.head}")
    lines.append("  counts match; target verifies with the same chain head")
    emit(ctx, result, "\n".join(lines))


def register(cli: click.Group) -> None:
    cli.add_command(migrate_cmd)
