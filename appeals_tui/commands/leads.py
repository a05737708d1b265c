"""`appeals stats` and `appeals qa …`: the leads' consistency tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..cli import common, emit, one_line, session, split_multi

if TYPE_CHECKING:  # the services load lazily: a command imports only what it runs
    from ..domain.kappa import Agreement
    from ..services.qa import ClauseAgreement
    from ..services.stats import RateRow


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{value * 100:5.1f}%"


def _rate_table(title: str, rows: list[RateRow]) -> list[str]:
    lines = [
        title,
        f"  {'':<12} {'decisions':>9} {'diverged':>9} {'div%':>6} {'appeals':>8} "
        f"{'overt.':>7} {'ovt%':>6} {'ovt/dec':>7} {'reviewed':>8}",
    ]
    for r in rows:
        lines.append(
            f"  {r.key:<12} {r.decisions:>9} {r.diverged:>9} {_pct(r.divergence_rate)} "
            f"{r.appeals_resolved:>8} {r.overturned:>7} {_pct(r.overturn_rate)} "
            f"{_pct(r.overturn_per_decision)} {r.reviewed:>8}"
        )
    return lines


@click.command("stats")
@common
@click.option("--since", help="Only decisions from this date (YYYY-MM-DD or ISO timestamp).")
@click.option("--until", help="Only decisions before this date (exclusive).")
@click.pass_context
def stats_cmd(ctx: click.Context, since: str, until: str) -> None:
    """Overturn and divergence rates per clause and moderator, inconsistent profiles (leads)."""
    from ..services.history import parse_since
    from ..services.stats import consistency_stats

    stats = consistency_stats(
        session(ctx), since=parse_since(since), until=parse_since(until, "until")
    )
    lines = [
        f"decisions {stats.decisions} (+{stats.appeal_decisions} by appeal outcomes; "
        f"standing {stats.standing}), "
        f"diverged {stats.diverged} ({_pct(stats.divergence_rate).strip()}), "
        f"appeals resolved {stats.appeals_resolved}, overturned/modified "
        f"{stats.overturned} ({_pct(stats.overturn_rate).strip()})",
        "",
        *_rate_table("per clause", stats.per_clause),
        "",
        *_rate_table("per moderator", stats.per_moderator),
        "",
        f"inconsistent profiles: {len(stats.inconsistent_profiles)}",
    ]
    for group in stats.inconsistent_profiles:
        where = "promotion illegal" if group.promotion_illegal else "elsewhere"
        actions = ", ".join(f"{a} {n}" for a, n in group.actions.items())
        lines.append(f"  [{', '.join(group.factors) or 'no factor'}] ({where}): {actions}")
        for d in group.decisions:
            lines.append(
                f"    {d.decision_id:<10} {d.decided_at[:10]} {d.moderator:<10} "
                f"{d.action:<16} {','.join(d.clauses):<12}" + (" canonical" if d.canonical else "")
            )
    emit(ctx, stats, "\n".join(lines))


@click.group("qa")
def qa() -> None:
    """QA sampling: blind re-review of random decisions, agreement and kappa."""


@qa.command("draw")
@common
@click.option("--size", required=True, type=click.IntRange(1), help="How many decisions.")
@click.option("--since", help="Only decisions from this date (YYYY-MM-DD or ISO timestamp).")
@click.option("--until", help="Only decisions before this date (exclusive).")
@click.option("--seed", type=int, help="Random seed (the same seed draws the same sample).")
@click.option("--reviewer", required=True, help="Who re-reviews (never the original moderator).")
@click.pass_context
def qa_draw(
    ctx: click.Context, size: int, since: str, until: str, seed: int, reviewer: str
) -> None:
    """Draw a random sample of standing decisions for blind re-review (leads)."""
    from ..services.history import parse_since
    from ..services.qa import draw_sample

    batch = draw_sample(
        session(ctx),
        size,
        parse_since(since),
        seed,
        reviewer=reviewer,
        until=parse_since(until, "until"),
    )
    human = (
        f"{batch.batch_id}: {len(batch.items)} decision(s) for {reviewer} "
        f"(seed {batch.seed})\n" + "\n".join(f"  {i.decision_id}" for i in batch.items)
    )
    emit(ctx, batch, human)


@qa.command("list")
@common
@click.pass_context
def qa_list(ctx: click.Context) -> None:
    """QA batches (leads see all; reviewers see theirs)."""
    from ..services.qa import list_batches

    rows = list_batches(session(ctx))
    human = "\n".join(
        f"{b.batch_id:<10} {b.created_at[:10]} {b.reviewer:<10} {b.reviewed}/{b.items} reviewed"
        for b in rows
    )
    emit(ctx, rows, human or "no QA batches")


@qa.command("items")
@common
@click.argument("batch_id")
@click.pass_context
def qa_items(ctx: click.Context, batch_id: str) -> None:
    """The cases to re-review, without the original decisions (reviewer)."""
    from ..services.qa import review_queue

    rows = review_queue(session(ctx), batch_id)
    human = "\n".join(
        f"{r.decision_id:<10} {'done' if r.review else 'todo':<5} "
        f"{r.case.case_id if r.case else '':<10} "
        f"{one_line(r.case.content_text if r.case else '', 60)}"
        for r in rows
    )
    emit(ctx, rows, human)


@qa.command("review")
@common
@click.argument("batch_id")
@click.argument("decision_id")
@click.option("--action", required=True)
@click.option("--clause", "clauses", multiple=True, required=True, help="Clause id (repeatable).")
@click.option("--reasoning", required=True)
@click.pass_context
def qa_review(
    ctx: click.Context,
    batch_id: str,
    decision_id: str,
    action: str,
    clauses: tuple[str, ...],
    reasoning: str,
) -> None:
    """Answer action and clause for one sampled case, blind (reviewer)."""
    from ..services.qa import submit_review

    item = submit_review(
        session(ctx), batch_id, decision_id, action, split_multi(clauses), reasoning
    )
    emit(ctx, item, f"recorded review of {decision_id} in {batch_id}")


@qa.command("report")
@common
@click.argument("batch_id", required=False)
@click.pass_context
def qa_report_cmd(ctx: click.Context, batch_id: str) -> None:
    """Agreement and Cohen's kappa between original and re-review (leads)."""
    from ..services.qa import qa_report

    report = qa_report(session(ctx), batch_id)

    def line(name: str, a: Agreement | ClauseAgreement) -> str:
        kappa = "-" if a.kappa is None else f"{a.kappa:.3f}"
        return f"  {name:<12} n={a.n:<5} agreement {_pct(a.observed)}  kappa {kappa}"

    lines = [
        f"{report.reviewed} reviewed, {report.pending} pending"
        + (f" in {batch_id}" if batch_id else f" in {report.batches} batch(es)"),
        line("overall", report.overall),
        *(line(r.clause, r) for r in report.per_clause),
        f"  clause agreement {_pct(report.clause_agreement)}",
    ]
    emit(ctx, report, "\n".join(lines))


def register(cli: click.Group) -> None:
    cli.add_command(stats_cmd)
    cli.add_command(qa)
