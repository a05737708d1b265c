"""`appeals import`, `cases`, `claim`, `release`, `reassign`, `escalate`, `note`."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import common, emit, emit_rows, one_line, session, wants_json


@click.group("import")
def import_group() -> None:
    """Import data into the workspace."""


@import_group.command("reports")
@common
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--max-mb",
    type=click.IntRange(1, 4096),
    default=256,
    show_default=True,
    help="Refuse files larger than this.",
)
@click.option(
    "--max-lines",
    type=click.IntRange(1, 100_000_000),
    default=2_000_000,
    show_default=True,
    help="Refuse files with more reports: a guard against a wrong file (imports of any "
    "size are staged in bounded memory).",
)
@click.pass_context
def import_reports_cmd(ctx: click.Context, file: Path, max_mb: int, max_lines: int) -> None:
    """Import reports from FILE (.jsonl or .csv); all or nothing, at any size.

    The whole file is validated first; then the reports are staged out of sight
    (others keep working) and published at once: either every report is in, or none.

    Only regular files are read. Limits per field: report_id 128 characters,
    reporter/subject_id/account 256, reason 128, platform 64, url 2048,
    media_description 10,000, content_text 100,000; followers and views 0 to 10^12;
    reported_at from 2000-01-01 to tomorrow; lines up to 1 MiB; at most --max-lines
    reports per file. The first 50 problems are listed, then the total.
    """
    from ..domain.reports import ImportLimits
    from ..services.intake import import_reports
    from .progress import long_work

    sess = session(ctx)
    limits = ImportLimits(max_bytes=max_mb << 20, max_lines=max_lines)
    with long_work(ctx, "importing", stopped="stopped; nothing was imported") as progress:
        result = import_reports(sess, file, progress, limits)
    emit(
        ctx,
        result,
        f"imported {result.imported} report(s), skipped {result.skipped} already present; "
        f"{len(result.cases_created)} new case(s), {len(result.cases_updated)} updated",
    )


@click.group("cases")
def cases() -> None:
    """List and show cases."""


@cases.command("list")
@common
@click.option(
    "--status", multiple=True, help="open, in_review, decided, appealed, resolved (repeatable)."
)
@click.option("--platform")
@click.option("--jurisdiction")
@click.option("--assignee")
@click.option("--account")
@click.option("--search", "text", help="Text in content, account or id.")
@click.option(
    "--sort",
    default="priority",
    show_default=True,
    type=click.Choice(["priority", "reports", "age", "sla", "reach"]),
)
@click.option(
    "--limit",
    default=None,
    type=click.IntRange(1, 1_000_000),
    help="Page size (default 50; all with --json).",
)
@click.option("--offset", default=0, type=click.IntRange(0))
@click.pass_context
def cases_list(
    ctx: click.Context,
    status: tuple[str, ...],
    platform: str,
    jurisdiction: str,
    assignee: str,
    account: str,
    text: str,
    sort: str,
    limit: int | None,
    offset: int,
) -> None:
    """List cases, highest priority first."""
    from ..services.cases import CaseFilter, iter_cases, list_cases

    flt = CaseFilter(
        status={s for s in status},
        platform=platform,
        jurisdiction=jurisdiction,
        assignee=assignee,
        account=account,
        text=text,
    )
    if wants_json(ctx) and limit is None and not offset:  # everything, streamed
        emit_rows(ctx, iter_cases(session(ctx), flt, sort=sort), str)
        return
    limit = limit or (None if wants_json(ctx) else 50)
    page = list_cases(session(ctx), flt, sort=sort, offset=offset, limit=limit)

    def human() -> str:
        lines = [
            f"{c.case_id:<10} {c.status:<10} {c.priority:>6.1f} "
            f"{c.account:<24} {len(c.report_ids)}r "
            f"{one_line(c.content_text, 50)}"
            for c in page.items
        ]
        lines.append(f"({len(page.items)} of {page.total})")
        return "\n".join(lines)

    emit_rows(ctx, page.items, human)


@cases.command("show")
@common
@click.argument("case_id")
@click.pass_context
def cases_show(ctx: click.Context, case_id: str) -> None:
    """Show a case with its reports, account history and timeline."""
    from ..services.cases import case_file

    file = case_file(session(ctx), case_id)
    case = file.case

    def human() -> str:
        subject = case.subject_ref
        return "\n".join(
            [
                f"{case.case_id}  {case.status}  priority {case.priority}  "
                f"assignee {case.assignee or '-'}",
                f"subject: {subject.platform}/{subject.subject_type}/"
                f"{subject.subject_id} by {subject.account}",
                f"text: {case.content_text}",
                f"media: {case.media_description}",
                f"reports: {len(file.reports)}; "
                f"account strikes (active weight): {file.active_strikes}",
            ]
        )

    # JSON (CaseFile.to_json): the case's own fields at the top, the file beside them
    emit(ctx, file, human)


@click.command("claim")
@common
@click.argument("case_id")
@click.option("--expected-version", type=int)
@click.pass_context
def claim_cmd(ctx: click.Context, case_id: str, expected_version: int | None) -> None:
    """Claim a case so nobody else decides it."""
    from ..services.cases import claim

    case = claim(session(ctx), case_id, expected_version)
    emit(ctx, case, f"claimed {case_id} (version {case.version})")


@click.command("release")
@common
@click.argument("case_id")
@click.pass_context
def release_cmd(ctx: click.Context, case_id: str) -> None:
    """Put a claimed case back in the queue."""
    from ..services.cases import release

    case = release(session(ctx), case_id)
    emit(ctx, case, f"released {case_id}")


@click.command("reassign")
@common
@click.argument("case_id")
@click.option("--to", "to_user", required=True)
@click.pass_context
def reassign_cmd(ctx: click.Context, case_id: str, to_user: str) -> None:
    """Give a case to another moderator (leads)."""
    from ..services.cases import reassign

    case = reassign(session(ctx), case_id, to_user)
    emit(ctx, case, f"{case_id} assigned to {to_user}")


@click.command("escalate")
@common
@click.argument("case_id")
@click.option("--note", required=True)
@click.pass_context
def escalate_cmd(ctx: click.Context, case_id: str, note: str) -> None:
    """Escalate a case to a lead with a note."""
    from ..services.cases import escalate

    case = escalate(session(ctx), case_id, note)
    emit(ctx, case, f"escalated {case_id}")


@click.command("note")
@common
@click.argument("entity")
@click.argument("text")
@click.pass_context
def note_cmd(ctx: click.Context, entity: str, text: str) -> None:
    """Add a private note to a case (C-…) or appeal (A-…)."""
    from ..services.cases import add_note

    target = (
        entity if ":" in entity else ("appeal:" if entity.startswith("A-") else "case:") + entity
    )
    note = add_note(session(ctx), target, text)
    emit(ctx, note, f"note {note.note_id} added to {target}")


def register(cli: click.Group) -> None:
    for command in (
        import_group,
        cases,
        claim_cmd,
        release_cmd,
        reassign_cmd,
        escalate_cmd,
        note_cmd,
    ):
        cli.add_command(command)
