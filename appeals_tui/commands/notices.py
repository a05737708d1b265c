"""`appeals notice DECISION|--appeal A`, `notice send`, `notice log`: notices to users."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import common, emit, session
from .defaulting import DefaultGroup

_LANG = click.Choice(["en", "ko"])


def _show(
    ctx: click.Context,
    decision_id: str | None,
    appeal_id: str | None,
    template: str | None,
    lang: str | None,
) -> None:
    from ..services.notices import render_notice

    if not decision_id and not appeal_id:
        raise click.UsageError("give a DECISION id or --appeal APPEAL", ctx)
    notice = render_notice(session(ctx), decision_id, appeal_id, template, lang)
    emit(ctx, notice, f"Subject: {notice.subject}\n\n{notice.body}".rstrip("\n"))


@click.group("notice", cls=DefaultGroup, default_command="show")
@common
@click.option("--appeal", "appeal_id", default=None, help="Notice for this appeal's outcome.")
@click.option("--template", default=None, help="Template name in data/notices (default by kind).")
@click.option("--lang", type=_LANG, default=None, help="Language (default: ko for KR cases).")
@click.pass_context
def notice(
    ctx: click.Context, appeal_id: str | None, template: str | None, lang: str | None
) -> None:
    """Notice to the affected user: `appeals notice DECISION` prints it; `send` records it."""
    if ctx.invoked_subcommand is None:
        _show(ctx, None, appeal_id, template, lang)


@notice.command("show", hidden=True)
@common
@click.argument("decision_id", required=False)
@click.option("--appeal", "appeal_id", default=None, help="Notice for this appeal's outcome.")
@click.option("--template", default=None, help="Template name in data/notices.")
@click.option("--lang", type=_LANG, default=None, help="Language (default: ko for KR cases).")
@click.pass_context
def notice_show(
    ctx: click.Context,
    decision_id: str,
    appeal_id: str | None,
    template: str | None,
    lang: str | None,
) -> None:
    """Print the notice for DECISION (or --appeal APPEAL); --json gives its fields."""
    parent = ctx.parent.params if ctx.parent else {}
    _show(
        ctx,
        decision_id,
        appeal_id or parent.get("appeal_id"),
        template or parent.get("template"),
        lang or parent.get("lang"),
    )


@notice.command("send")
@common
@click.argument("decision_id", required=False)
@click.option("--appeal", "appeal_id", default=None, help="Send the appeal outcome notice.")
@click.option("--template", default=None, help="Template name in data/notices.")
@click.option("--lang", type=_LANG, default=None)
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Send this edited text instead of the rendered body.",
)
@click.option(
    "--not-sent", is_flag=True, help="Record that the notice is NOT sent (needs --reason)."
)
@click.option("--reason", default="", help="Why the notice is not sent.")
@click.pass_context
def notice_send(
    ctx: click.Context,
    decision_id: str,
    appeal_id: str | None,
    template: str | None,
    lang: str | None,
    body_file: Path | None,
    not_sent: bool,
    reason: str,
) -> None:
    """Record the notice for DECISION (or --appeal) as sent, or as not sent with a reason."""
    from ..services.notices import MAX_BODY_CHARS, send_notice
    from ..services.text_files import read_text_file

    if not decision_id and not appeal_id:
        raise click.UsageError("give a DECISION id or --appeal APPEAL", ctx)
    body = read_text_file(body_file, 4 * MAX_BODY_CHARS, "notice body file") if body_file else None
    doc = send_notice(
        session(ctx),
        decision_id,
        appeal_id,
        template,
        lang,
        body_override=body,
        send=not not_sent,
        reason=reason,
    )
    what = "sent" if doc.sent else f"not sent ({doc.not_sent_reason})"
    emit(ctx, doc, f"{doc.notice_id} for {doc.decision_id}: {what}")


@notice.command("log")
@common
@click.argument("decision_id", required=False)
@click.option("--appeal", "appeal_id", default=None)
@click.pass_context
def notice_log(ctx: click.Context, decision_id: str, appeal_id: str | None) -> None:
    """Notices recorded for DECISION (or --appeal): sent, edited, or not sent and why."""
    from ..services.notices import notices_for

    rows = notices_for(session(ctx), decision_id, appeal_id)
    human = "\n".join(
        f"{n.notice_id} {n.at[:16]} {n.by:<10} {n.template}.{n.lang} "
        + (n.state if n.sent else f"NOT SENT: {n.not_sent_reason}")
        for n in rows
    )
    emit(ctx, rows, human or "no notices recorded")


def register(cli: click.Group) -> None:
    cli.add_command(notice)
