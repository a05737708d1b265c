"""`appeals media match FILE`: has this image been seen, and decided, before?"""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import common, emit, session


@click.group("media")
def media() -> None:
    """Images attached to reports."""


@media.command("match")
@common
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def match_cmd(ctx: click.Context, file: Path) -> None:
    """Cases holding an image that matches FILE (PDQ), nearest first, with their decisions."""
    from ..services.media_match import match_file

    result = match_file(session(ctx), file)
    lines = [
        f"{file}: sha256 {result.sha256[:12]}…  PDQ quality {result.pdq_quality}"
        + ("  (this exact file is stored)" if result.stored else "")
    ]
    if result.pdq_quality < 50:
        lines.append("quality too low to match (a flat or tiny image)")
    for m in result.matches:
        decided = (
            f"{m.decision_id} {m.action} by {m.moderator} ({(m.decided_at or '')[:10]})"
            if m.decision_id
            else f"not decided ({m.status})"
        )
        lines.append(f"  {m.case_id:<9} distance {m.distance:>3}  {m.account:<24} {decided}")
    if result.pdq_quality >= 50 and not result.matches:
        lines.append("no matching image in this workspace")
    emit(ctx, result, "\n".join(lines))


def register(cli: click.Group) -> None:
    cli.add_command(media)
