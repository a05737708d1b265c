"""`appeals policy impact DRAFT`: what a policy draft would change, before anything does."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import common, emit, session


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
        lines.append("per clause: " + ", ".join(f"{k} {v}" for k, v in impact.per_clause.items()))
        lines.append(
            "per moderator: " + ", ".join(f"{k} {v}" for k, v in impact.per_moderator.items())
        )
    emit(ctx, impact.to_dict(), "\n".join(lines))


def register(cli: click.Group) -> None:
    cli.add_command(policy)
