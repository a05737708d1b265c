"""`appeals policy impact|publish|versions`: a policy draft's impact before anything
changes, publishing it, and the library versions the workspace keeps."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import common, emit, one_line, session


@click.group("policy")
def policy() -> None:
    """Policy changes, impact first (leads)."""


@policy.command("impact")
@common
@click.argument("draft", type=click.Path(path_type=Path))
@click.pass_context
def impact_cmd(ctx: click.Context, draft: Path) -> None:
    """Every standing decision whose guidance DRAFT would change, grouped by old action ->
    new action and clause, with counts per clause and moderator. Changes nothing."""
    from ..services.policy_impact import policy_impact

    impact = policy_impact(session(ctx), draft)
    lines = [
        f"draft {impact.to_version} (sha256 {impact.draft_sha256[:12]}) against "
        f"{impact.from_version}: {len(impact.affected)} of {impact.standing} standing "
        "decisions would get different guidance",
    ]
    for g in impact.groups:
        lines.append(
            f"  {g.old_action} -> {g.new_action} ({g.new_clause}): {g.count}   e.g. "
            + ", ".join(g.samples)
        )
    if impact.per_clause:
        lines.append(
            "per clause applied: " + ", ".join(f"{k} {v}" for k, v in impact.per_clause.items())
        )
        lines.append(
            "per moderator: " + ", ".join(f"{k} {v}" for k, v in impact.per_moderator.items())
        )
    emit(ctx, impact, "\n".join(lines))


@policy.command("publish")
@common
@click.argument("draft", type=click.Path(path_type=Path))
@click.option("--reason", required=True, help="Why the policy changes (recorded in the audit log).")
@click.pass_context
def publish_cmd(ctx: click.Context, draft: Path, reason: str) -> None:
    """Make DRAFT the library in force (leads): a new library_version, audited with the
    draft's SHA-256; the standing decisions whose guidance changes go to the re-review
    queue (`appeals rereview list`)."""
    from ..services.rereview import publish_policy

    result = publish_policy(session(ctx), draft, reason)
    emit(
        ctx,
        {
            "library_version": result.library_version,
            "from_version": result.from_version,
            "draft_sha256": result.draft_sha256,
            "rereviews": result.rereviews,
        },
        f"published policy library {result.library_version} (was {result.from_version}; "
        f"draft sha256 {result.draft_sha256[:12]}): {result.rereviews} standing decision(s) "
        "to re-review (`appeals rereview list`)",
    )


@policy.command("versions")
@common
@click.pass_context
def versions_cmd(ctx: click.Context) -> None:
    """The policy library versions this workspace keeps, oldest first ("*" in force)."""
    from dataclasses import asdict

    from ..services.policy_versions import published_versions

    sess = session(ctx)
    versions = published_versions(sess.ws)
    lines = [
        f"{'*' if v.current else ' '} {v.library_version:<16} {v.published_at[:16]:<16} "
        f"{v.published_by:<10} "
        + ("shipped" if v.shipped else f"from {v.from_version}: {one_line(v.reason, 60)}")
        for v in versions
    ] or [f"* {sess.library.library_version} (shipped; nothing published yet)"]
    emit(ctx, [asdict(v) for v in versions], "\n".join(lines))


def register(cli: click.Group) -> None:
    cli.add_command(policy)
