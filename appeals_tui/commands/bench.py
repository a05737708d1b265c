"""`appeals bench`: build a scratch workspace of N decisions and time the hot paths."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import common, emit, opt, wants_json


@click.command("bench")
@common
@click.option("--decisions", "n", type=click.IntRange(min=50), default=10_000, show_default=True)
@click.option(
    "--samples", type=click.IntRange(min=5), default=None, help="Timed calls per operation."
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Build here instead of a temporary folder.",
)
@click.option("--keep", is_flag=True, help="Keep the built workspace (with --workdir).")
@click.option("--no-compare", is_flag=True, help="Skip the TinyDB JSONStorage and sqlite runs.")
@click.option("--no-tui", is_flag=True, help="Skip the headless TUI latency run.")
@click.option(
    "--media",
    "media_only",
    is_flag=True,
    help="Only the media figures: PDQ hashing rate, match lookup at 100k, render time.",
)
@click.option(
    "--cli",
    "cli_mode",
    is_flag=True,
    help="Time one-shot commands as fresh processes on kept workspaces "
    "(WORKDIR/ws-N against BASELINE/ws-1000; built first if missing).",
)
@click.option(
    "--baseline",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --cli: folder holding the kept 1k workspace (default: --workdir).",
)
@click.option(
    "--from-workspace",
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --database: load the N decisions as renumbered copies of this kept "
    "workspace with COPY (and measure it beside them); an appeals_bench_N database "
    "already holding them is reused.",
)
@click.option(
    "--imports",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="With --database: reports in the timed `import reports` (0: skip it).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="With --cli: fresh-process runs of each command at each size.",
)
@click.pass_context
def bench_cmd(
    ctx: click.Context,
    n: int,
    samples: int | None,
    workdir: Path | None,
    keep: bool,
    no_compare: bool,
    no_tui: bool,
    cli_mode: bool,
    baseline: Path | None,
    runs: int,
    source: Path | None = None,
    media_only: bool = False,
    imports: int = 100_000,
) -> None:
    """Benchmark decide, open, history, precedents and stats at N decisions.

    With --database URL (a server where the URL's role may create databases and
    roles), the same workspace is also copied into PostgreSQL and measured there."""
    url = opt(ctx, "database")
    if url or media_only:
        try:
            from benchmarks.media import format_media, run_media
            from benchmarks.pg import format_pg_table, run_pg
        except ImportError:
            raise click.ClickException(
                "the benchmarks package is missing; reinstall appeals-tui (it ships in the wheel)"
            ) from None
        if media_only:
            figures = run_media(samples=samples or 20)
            emit(ctx, figures, None if wants_json(ctx) else format_media(figures))
            return
        result = run_pg(url, n, samples=samples, source=source, imports=imports)
        emit(ctx, result, None if wants_json(ctx) else format_pg_table(result))
        return
    try:
        from benchmarks.bench import format_table, run, run_cli_bench
    except ImportError:
        raise click.ClickException(
            "the benchmarks package is missing; reinstall appeals-tui (it ships in the wheel)"
        ) from None
    if cli_mode:
        if workdir is None:
            raise click.UsageError("--cli needs --workdir (where the kept workspaces are)")
        result, table = run_cli_bench(n, workdir, baseline or workdir, runs=runs)
        emit(ctx, result, None if wants_json(ctx) else table)
        return
    from .progress import long_work

    stopped = "stopped; the benchmark workspace was removed"
    if keep:
        stopped = "stopped; the partly built benchmark workspace was kept"
    writing = frozenset({"compacting"})
    with long_work(ctx, "benchmark", stopped=stopped, bytes_phases=writing, safe_points=False) as p:
        result = run(
            n,
            samples=samples,
            workdir=workdir,
            keep=keep,
            compare=not no_compare,
            tui=not no_tui,
            progress=p,
        )
    emit(ctx, result, None if wants_json(ctx) else format_table(result))


def register(cli: click.Group) -> None:
    cli.add_command(bench_cmd)
