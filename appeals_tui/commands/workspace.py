"""`appeals init`, `users`, `config`, `demo`, `verify`, `compact`."""

from __future__ import annotations

import click

from ..cli import common, emit, opt, session, target, wants_json
from ..domain.text import visible


@click.command("init")
@common
@click.option("--admin", required=True, help="Name of the first admin (mapped to your login).")
@click.option(
    "--group",
    default=None,
    help="Unix group sharing the workspace (directory 2770, files 0660); default: only you.",
)
@click.pass_context
def init_cmd(ctx: click.Context, admin: str, group: str | None) -> None:
    """Create a workspace with one admin, private to you (or to --group)."""
    from ..services.roster import init_workspace
    from ..services.session import os_login

    path = target(ctx)
    if isinstance(path, str):  # a database: the roster admin becomes a database role
        from ..services.maintenance import redact_url

        init_workspace(path, admin).close()
        shown = redact_url(path)
        emit(ctx, {"workspace": shown, "admin": admin}, f"created {shown} (admin: {admin})")
        return
    init_workspace(path, admin, group=group).close()
    emit(
        ctx,
        {"workspace": str(path), "admin": admin, "login": os_login(), "group": group},
        f"created workspace {path} (admin: {admin}, login {os_login()}"
        + (f", shared with group {group})" if group else ", private to you)"),
    )


@click.group("users")
def users() -> None:
    """Manage the roster (admins)."""


@users.command("add")
@common
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["moderator", "lead", "admin"]))
@click.option(
    "--login",
    default=None,
    help="OS login that acts as NAME (default: NAME). Only that login can use --user NAME.",
)
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, login: str | None) -> None:
    """Add NAME to the roster with a role, acted as from an OS login."""
    from ..services.roster import add_user

    user = add_user(session(ctx), name, role, login)
    emit(ctx, user.to_dict(), f"added {user.name} ({user.role}, login {user.acting_login})")


@users.command("list")
@common
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List the roster."""
    from ..services.roster import list_users

    people = list_users(session(ctx))
    emit(
        ctx,
        [{**u.to_dict(), "login": u.acting_login} for u in people],
        "\n".join(f"{u.name:<20} {u.role:<10} {u.acting_login}" for u in people),
    )


@click.group("config")
def config() -> None:
    """Workspace settings: appeal window, SLAs, strike threshold."""


@config.command("show")
@common
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Show the settings."""
    from ..services.roster import get_config

    values = get_config(session(ctx))
    emit(ctx, values, "\n".join(f"{k:<22} {v}" for k, v in values.items()))


@config.command("set")
@common
@click.argument("key")
@click.argument("value")
@click.pass_context
def config_set(ctx: click.Context, key: str, value: str) -> None:
    """Change a setting (admins)."""
    from ..services.roster import set_config

    values = set_config(session(ctx), key, value)
    emit(ctx, values, f"{key} = {values[key]}")


@click.command("verify")
@common
@click.option("--head", "show_head", is_flag=True, help="Print the chain head as SEQ:HASH.")
@click.option(
    "--expect",
    default=None,
    metavar="SEQ:HASH",
    help="Fail unless the workspace still holds this head (detects a cut tail or a rollback).",
)
@click.pass_context
def verify(ctx: click.Context, show_head: bool, expect: str | None) -> None:
    """Check the audit chain and every record against it; exit 1 naming the first
    divergence. Keep the `--head` output elsewhere and check it with `--expect`."""
    from ..services.maintenance import verify_workspace
    from .progress import long_work

    reading = frozenset({"verifying"})
    with long_work(ctx, "verifying", stopped="stopped; nothing changed", bytes_phases=reading) as p:
        check = verify_workspace(target(ctx), expect, progress=p)
    result = check.chain
    media_problems, media_checked = check.media_problems, check.media_checked
    payload = {
        "ok": result.ok,
        "events_checked": result.events_checked,
        "records_checked": result.records_checked,
        "first_broken_seq": result.first_broken_seq,
        "problem": result.problem,
        "head": result.head,
        "table": result.table or None,
        "id": result.record or None,
        "field": result.field or None,
        "media_checked": media_checked,
        "media_problems": media_problems,
    }
    if result.ok and media_problems:
        if wants_json(ctx):
            emit(ctx, payload)
        for problem in media_problems:
            click.echo(f"error: media: {problem}", err=True)
        raise click.exceptions.Exit(1)
    if result.ok:
        if show_head:
            emit(ctx, {"head": result.head}, result.head)
            return
        emit(
            ctx,
            payload,
            f"ok: {result.events_checked} events, {result.records_checked} records, "
            f"{media_checked} media files verified; head {result.head or 'none'}",
        )
        return
    if wants_json(ctx):
        emit(ctx, payload)
    where = f"seq {result.first_broken_seq}: " if result.first_broken_seq is not None else ""
    click.echo(f"error: audit chain broken at {where}{result.problem}", err=True)
    raise click.exceptions.Exit(1)


@click.command("compact")
@common
@click.pass_context
def compact(ctx: click.Context) -> None:
    """Fold the journal into a snapshot (admins); safe to interrupt."""
    from ..services.roster import compact_workspace
    from .progress import long_work

    sess = session(ctx)
    stopped = "stopped; the workspace was left as it was"
    writing = frozenset({"compacting"})
    with long_work(ctx, "compacting", stopped=stopped, bytes_phases=writing) as progress:
        before, after = compact_workspace(sess, progress)
    emit(
        ctx, {"bytes_before": before, "bytes_after": after}, f"compacted: {before} -> {after} bytes"
    )


@click.command("demo")
@common
@click.option("--no-open", is_flag=True, help="Only build the demo workspace; do not open the app.")
@click.option(
    "--path",
    "path_only",
    is_flag=True,
    help="Print only the demo workspace's path (built if missing); do not open the app.",
)
@click.pass_context
def demo(ctx: click.Context, no_open: bool, path_only: bool) -> None:
    """Create (once) and open a demo workspace built from the seed scenario."""
    from ..services.demo import build_demo, demo_dir, demo_users

    path = opt(ctx, "data_dir") or demo_dir()
    created = build_demo(path)
    if path_only:
        click.echo(str(path))
        return
    user = opt(ctx, "user") or "minji"
    people = demo_users()
    msg = (
        f"{'created' if created else 'using existing'} demo workspace {path}\n"
        f"demo users: {', '.join(f'{name} ({role})' for name, role in people)}"
    )
    if no_open:
        payload = {"workspace": str(path), "created": created, "users": dict(people)}
        emit(ctx, payload, msg)
        return
    click.echo(visible(msg))
    click.echo(f"opening as {user}; another user: appeals demo --user NAME")
    from ..ui.launch import launch

    launch(path, opt(ctx, "user"), default="minji")


def register(cli: click.Group) -> None:
    for command in (init_cmd, users, config, verify, compact, demo):
        cli.add_command(command)
