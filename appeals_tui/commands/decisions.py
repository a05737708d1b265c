"""`appeals decide`, `guidance`, `precedents`, `canonical`."""

from __future__ import annotations

import click

from ..cli import common, emit, exit_code, one_line, parse_factors, session, split_multi
from ..domain.models import FACTORS
from ..domain.text import visible


@click.command("decide")
@common
@click.argument("case_ids", metavar="CASE...", nargs=-1)
@click.option(
    "--account",
    default=None,
    help="Also decide every open or claimed case of this account (oldest first).",
)
@click.option(
    "--action",
    required=True,
    help="no_action, label, restrict_reach, geo_block, remove_content, suspend_account, escalate",
)
@click.option(
    "--clause", "clauses", multiple=True, help="Policy clause id (repeatable or comma-separated)."
)
@click.option(
    "--factor", "factors", multiple=True, help="NAME=yes|no for each of the ten rubric factors."
)
@click.option("--reasoning", default="", help="Why: what in the content led to this decision.")
@click.option(
    "--divergence-reason", default=None, help="Required when departing from guidance or precedent."
)
@click.option("--cite", "cited", multiple=True, help="Decision ids of precedents you relied on.")
@click.option(
    "--expected-version", type=int, help="Refuse (exit 4) if the case changed since this version."
)
@click.pass_context
def decide_cmd(
    ctx: click.Context,
    case_ids: tuple[str, ...],
    account: str | None,
    action: str,
    clauses: tuple[str, ...],
    factors: tuple[str, ...],
    reasoning: str,
    divergence_reason: str | None,
    cited: tuple[str, ...],
    expected_version: int | None,
) -> None:
    """Record a decision on CASE; with several cases (or --account), the same decision on
    each, every case validated and checked on its own: one refusal stops none of the
    others, and the exit status is that of the first refusal."""
    from ..services.batch import account_open_cases, decide_each
    from ..services.decisions import DecisionDraft, decide
    from ..services.permissions import require_moderator

    sess = session(ctx)
    require_moderator(sess, "decide cases")  # who you are before what you typed
    targets = list(dict.fromkeys(case_ids))
    if account:
        targets += [
            c.case_id for c in account_open_cases(sess, account) if c.case_id not in targets
        ]
    if not targets:
        raise click.UsageError("name a CASE (or several), or --account ACCOUNT", ctx)
    if len(targets) > 1 and expected_version is not None:
        raise click.UsageError("--expected-version applies to one case only", ctx)
    draft = DecisionDraft(
        action=action,
        clause_ids=split_multi(clauses),
        factors=parse_factors(factors),
        reasoning=reasoning,
        divergence_reason=divergence_reason,
        precedents_cited=split_multi(cited),
    )
    if len(targets) == 1 and not account:
        case_id = targets[0]
        decision = decide(sess, case_id, draft, expected_version=expected_version)
        emit(ctx, decision, f"decided {case_id}: {decision.action} ({decision.decision_id})")
        return
    outcomes = decide_each(sess, [(c, None) for c in targets], draft)
    emit(
        ctx,
        outcomes,
        lambda: "\n".join(
            f"decided {o.case_id}: {action} ({o.message})" if o.ok else f"not decided {o.case_id}"
            for o in outcomes
        ),
    )
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        click.echo(f"error: {o.case_id}: {visible(o.message, keep_newlines=False)}", err=True)
    if failed and failed[0].error is not None:
        raise click.exceptions.Exit(exit_code(failed[0].error))


@click.command("guidance")
@common
@click.option(
    "--factor", "factors", multiple=True, help="NAME=yes|no; factors not given count as no."
)
@click.option("--jurisdiction", default=None)
@click.pass_context
def guidance_cmd(ctx: click.Context, factors: tuple[str, ...], jurisdiction: str | None) -> None:
    """What the rubric recommends for a factor profile."""
    from ..services.decisions import guidance_for

    given = parse_factors(factors)
    result = guidance_for(session(ctx), given, jurisdiction, assume_no=True)
    emit(
        ctx,
        {**result.to_dict(), "assumed_no": [f for f in FACTORS if f not in given]},
        f"{result.action} under {result.clause_id} (rule {result.rule_id}): {result.explanation}",
    )


@click.command("precedents")
@common
@click.argument("case_id")
@click.option(
    "--factor",
    "factors",
    multiple=True,
    help="Profile to match (default: the case's decision, if any).",
)
@click.option("--limit", default=10, type=click.IntRange(1, 100))
@click.pass_context
def precedents_cmd(ctx: click.Context, case_id: str, factors: tuple[str, ...], limit: int) -> None:
    """Earlier decisions most like CASE_ID, best first ("linked": on an account linked to
    this case's account by a shared contact or near-duplicate content)."""
    from ..services.precedents import precedents_for_case

    ranked = precedents_for_case(
        session(ctx), case_id, parse_factors(factors) if factors else None, limit=limit
    )
    human = (
        "\n".join(
            f"{r.decision_id:<10} "
            + (f"image~{r.image_distance:<3}" if r.same_image else f"{r.similarity:>8.0%}")
            + f" {'★' if r.canonical else ' '} "
            f"{'linked' if r.linked else '      '} "
            f"{r.action:<16} {one_line(r.record.reasoning, 60)}"
            for r in ranked
        )
        or "no precedents"
    )
    emit(ctx, ranked, human)


@click.command("canonical")
@common
@click.argument("decision_id")
@click.option("--unmark", is_flag=True, help="Withdraw the canonical mark.")
@click.option("--reason", default="")
@click.pass_context
def canonical_cmd(ctx: click.Context, decision_id: str, unmark: bool, reason: str) -> None:
    """Mark a decision as the canonical precedent (leads)."""
    from ..services.decisions import set_canonical

    doc = set_canonical(session(ctx), decision_id, not unmark, reason)
    emit(ctx, doc, f"{decision_id} {'is now' if doc.canonical else 'is no longer'} canonical")


def register(cli: click.Group) -> None:
    for command in (decide_cmd, guidance_cmd, precedents_cmd, canonical_cmd):
        cli.add_command(command)
