"""Build a realistic workspace of N decisions quickly, writing what the services write.

Why: replaying 100k decisions one transaction at a time would spend minutes in
fsync alone. Reports go through `intake.import_parsed` (in large batches) and
decisions through `decisions.record_decision` -- the function `decide()` itself
uses -- inside large transactions; appeals mirror `file_appeal`/`resolve_appeal`
record for record. Text comes from the demo scenario so documents have realistic
sizes (Korean and English, a few hundred characters).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from appeals_tui.domain.guidance import recommend
from appeals_tui.domain.models import FACTORS, Appeal, Case, Report
from appeals_tui.domain.progress import EVERY, Progress
from appeals_tui.domain.reports import ParsedReport
from appeals_tui.domain.timeutil import iso
from appeals_tui.paths import data_dir
from appeals_tui.services import intake, roster
from appeals_tui.services.decisions import DecisionDraft, Divergence, record_decision
from appeals_tui.services.session import Session, os_login
from appeals_tui.services.strikes import remove_strikes_for

__all__ = ["BENCH_NOW", "Corpus", "Clock", "build_workspace", "MODERATORS", "LEADS"]

#: Every benchmark workspace is built "as of" this moment, so runs are comparable.
BENCH_NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
MODERATORS = tuple(f"mod{i:02d}" for i in range(1, 21))
LEADS = ("lead01", "lead02", "lead03", "lead04")
JURISDICTIONS = ("KR",) * 5 + ("US",) * 2 + ("JP", "DE", "GB")
_BATCH = 10_000


class Clock:
    """Settable clock shared by the builder's sessions."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Corpus:
    """Texts and factor profiles taken from the demo scenario."""

    reports: list[dict[str, Any]]
    profiles: list[dict[str, bool]]
    reasonings: list[str]
    grounds: list[str]
    rng: random.Random = field(default_factory=lambda: random.Random(8))

    @classmethod
    def load(cls, seed: int = 8) -> Corpus:
        demo = data_dir() / "demo"
        scenario = json.loads((demo / "scenario.json").read_text(encoding="utf-8"))
        reports = [
            json.loads(line)
            for line in (demo / "reports.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        decisions = scenario["decisions"]
        return cls(
            reports=reports,
            profiles=[d["factors"] for d in decisions],
            reasonings=[d["reasoning"] for d in decisions],
            grounds=[d["appeal"]["grounds"] for d in decisions if d.get("appeal")],
            rng=random.Random(seed),
        )

    def profile(self) -> dict[str, bool]:
        """A demo profile with the odd factor flipped: many masks, a few big ones."""
        base = dict(self.rng.choice(self.profiles))
        for name in FACTORS:
            if self.rng.random() < 0.04:
                base[name] = not base[name]
        return base

    def draft(self, session: Session, jurisdiction: str) -> tuple[DecisionDraft, Divergence]:
        """Mostly the rubric's recommendation; 8% depart from it, with a reason."""
        factors = self.profile()
        guidance = recommend(factors, jurisdiction, session.library)
        action = guidance.action
        if self.rng.random() < 0.08:
            allowed = [
                a for a in session.library.latest(guidance.clause_id).actions_allowed if a != action
            ]
            action = self.rng.choice(allowed) if allowed else action
        diverged = action != guidance.action
        reason = (
            "Same profile as the canonical case but the account is a news outlet; "
            "the rubric's action would bury reporting."
        )
        draft = DecisionDraft(
            action=action,
            clause_ids=[guidance.clause_id],
            factors=factors,
            reasoning=self.rng.choice(self.reasonings),
            divergence_reason=reason if diverged else None,
        )
        return draft, Divergence(guidance, None, diverged, False)

    def report(self, i: int, case_no: int, account: str, at: datetime) -> Report:
        src = self.reports[case_no % len(self.reports)]
        return Report(
            report_id=f"BR-{i:07d}",
            reported_at=iso(at),
            reporter=f"user_{self.rng.randrange(50_000)}",
            reason=src["reason"],
            platform=src["platform"],
            subject_type=src["subject_type"],
            subject_id=f"bench{case_no:07d}",
            account=account,
            content_text=src.get("content_text", ""),
            media_description=src.get("media_description", ""),
            jurisdiction=JURISDICTIONS[case_no % len(JURISDICTIONS)],
            followers=self.rng.randrange(100, 500_000),
            views=self.rng.randrange(100, 5_000_000),
            url=src.get("url"),
        )


def _sessions(ws: Any, clock: Clock) -> dict[str, Session]:
    admin = Session.open(ws, "admin", clock=clock)
    me = os_login()  # the benchmark's login plays every user
    for name in MODERATORS:
        roster.add_user(admin, name, "moderator", me)
    for name in LEADS:
        roster.add_user(admin, name, "lead", me)
    library = admin.library
    return {
        name: Session.open(ws, name, clock=clock, library=library)
        for name in (*MODERATORS, *LEADS, "admin")
    }


def _import_cases(
    sessions: dict[str, Session], corpus: Corpus, cases: int, progress: Progress | None = None
) -> None:
    """Reports for `cases` subjects, 1-3 each, through intake in large batches."""
    rng, start = corpus.rng, BENCH_NOW - timedelta(days=365)
    step = timedelta(days=364) / max(cases, 1)
    accounts = max(cases // 3, 1)
    batch: list[ParsedReport] = []
    n = 0
    for case_no in range(cases):
        if progress and case_no % EVERY == 0:
            progress(case_no, cases, "building cases")
        at = start + step * case_no
        account = f"acct{rng.randrange(accounts):06d}"
        for _ in range(1 + (rng.random() < 0.3) + (rng.random() < 0.1)):
            n += 1
            batch.append(ParsedReport(n, corpus.report(n, case_no, account, at)))
            at += timedelta(minutes=rng.randrange(1, 90))
        if len(batch) >= _BATCH * 2:
            intake.import_parsed(sessions["mod01"], batch, source="bench.jsonl")
            batch = []
    if batch:
        intake.import_parsed(sessions["mod01"], batch, source="bench.jsonl")
    if progress:
        progress(cases, cases, "building cases")


def _decide_bulk(
    ws: Any,
    sessions: dict[str, Session],
    corpus: Corpus,
    n: int,
    progress: Progress | None = None,
) -> list[str]:
    """Decide the first `n` cases exactly as `decide()` records them; returns decision ids."""
    rng, clock = corpus.rng, sessions["admin"].clock
    case_ids = sorted(c["case_id"] for c in ws.all("cases"))[:n]
    ids: list[str] = []
    for lo in range(0, len(case_ids), _BATCH):
        with ws.transaction("mod01") as txn:
            for case_id in case_ids[lo : lo + _BATCH]:
                if progress and len(ids) % EVERY == 0:
                    progress(len(ids), len(case_ids), "building decisions")
                case = txn.get("cases", case_id)
                session = sessions[rng.choice(MODERATORS)]
                first = datetime.fromisoformat(case["first_reported_at"])
                clock.moment = first + timedelta(hours=rng.uniform(0.5, 20))
                draft, divergence = corpus.draft(session, case.get("jurisdiction") or "")
                txn.actor = session.actor
                decision = record_decision(session, txn, Case.from_dict(case), draft, divergence)
                txn.update(
                    "cases",
                    case_id,
                    {
                        "status": "decided",
                        "assignee": session.actor,
                        "decision_id": decision.decision_id,
                        "updated_at": session.now_iso(),
                    },
                )
                ids.append(decision.decision_id)
    if progress:
        progress(len(ids), len(ids), "building decisions")
    return ids


def _appeals_bulk(ws: Any, sessions: dict[str, Session], corpus: Corpus, ids: list[str]) -> None:
    """About 6% of striking decisions are appealed; most appeals are resolved."""
    rng, clock = corpus.rng, sessions["admin"].clock
    chosen = [
        d
        for d in (ws.get("decisions", i) for i in ids)
        if d["action"] != "no_action" and rng.random() < 0.06
    ]
    for lo in range(0, len(chosen), _BATCH):
        with ws.transaction("mod01") as txn:
            for decision in chosen[lo : lo + _BATCH]:
                _appeal_one(txn, sessions, corpus, decision, clock, rng)


def _appeal_one(txn, sessions, corpus, decision, clock, rng) -> None:
    """The records file_appeal and resolve_appeal write, in the caller's transaction."""
    filed = datetime.fromisoformat(decision["decided_at"]) + timedelta(days=rng.uniform(0.2, 9))
    clock.moment = filed
    appeal_id = txn.next_id("A")
    appeal = Appeal(
        appeal_id=appeal_id,
        decision_id=decision["decision_id"],
        filed_at=iso(filed),
        appellant=decision["account"],
        grounds=rng.choice(corpus.grounds),
        due_at=iso(filed + timedelta(days=7)),
        case_id=decision["case_id"],
    )
    txn.insert("appeals", appeal_id, appeal.to_dict())
    txn.update("cases", decision["case_id"], {"status": "appealed", "updated_at": iso(filed)})
    txn.event("appeal.filed", f"appeal:{appeal_id}", {"decision_id": decision["decision_id"]})
    if filed > BENCH_NOW - timedelta(days=10) or rng.random() < 0.2:
        return  # still open
    reviewer = sessions[rng.choice([m for m in MODERATORS if m != decision["moderator"]])]
    clock.moment = filed + timedelta(days=rng.uniform(0.5, 6))
    roll = rng.random()
    outcome = "upheld" if roll < 0.6 else "overturned" if roll < 0.85 else "modified"
    reasoning = rng.choice(corpus.reasonings)
    new_id = None
    case = txn.get("cases", decision["case_id"])
    if outcome != "upheld":
        guidance = recommend(decision["factors"], case.get("jurisdiction"), reviewer.library)
        action, clause = ("no_action", "CSS-0") if outcome == "overturned" else ("label", "CSS-4")
        draft = DecisionDraft(action, [clause], dict(decision["factors"]), reasoning)
        diverged = action != guidance.action
        if diverged:
            draft.divergence_reason = f"Appeal {appeal_id} {outcome}: {reasoning}"
        new = record_decision(
            reviewer,
            txn,
            Case.from_dict(case),
            draft,
            Divergence(guidance, None, diverged, False),
            supersedes=decision["decision_id"],
        )
        new_id = new.decision_id
        txn.update("decisions", decision["decision_id"], {"superseded_by": new_id})
        remove_strikes_for(reviewer, txn, decision["decision_id"], f"appeal {appeal_id} {outcome}")
    txn.update("decisions", decision["decision_id"], {"appeal_outcome": outcome})
    txn.update(
        "appeals",
        appeal_id,
        {
            "status": "resolved",
            "reviewer": reviewer.actor,
            "outcome": outcome,
            "resolution_reasoning": reasoning,
            "resolved_at": reviewer.now_iso(),
            "new_decision_id": new_id,
        },
    )
    txn.update(
        "cases",
        case["case_id"],
        {
            "status": "resolved",
            "decision_id": new_id or decision["decision_id"],
            "updated_at": reviewer.now_iso(),
        },
    )
    txn.event("appeal.resolved", f"appeal:{appeal_id}", {"outcome": outcome})


def build_workspace(
    path: Path, decisions: int, open_cases: int, seed: int = 8, progress: Progress | None = None
) -> Corpus:
    """A workspace at `path` with `decisions` decided cases plus `open_cases` undecided.

    `progress` sees "building cases", "building decisions" and "compacting"."""
    clock = Clock(BENCH_NOW - timedelta(days=366))
    ws = roster.init_workspace(path, "admin")
    try:
        sessions = _sessions(ws, clock)
        corpus = Corpus.load(seed)
        _import_cases(sessions, corpus, decisions + open_cases, progress)
        ids = _decide_bulk(ws, sessions, corpus, decisions, progress)
        _appeals_bulk(ws, sessions, corpus, ids)
        ws.compact(progress)
    finally:
        ws.close()
    return corpus
