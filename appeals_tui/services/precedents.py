"""Precedents for a case: the profile to match is the case's own decision or a draft.

Decisions on accounts linked to the case's account (a shared contact or near-duplicate
content) are marked, and the most similar of them are included even when they rank
below the cut: a moderator deciding one account of a network sees how the others
were decided.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..domain.errors import ValidationError
from ..domain.similarity import RankedPrecedent, is_eligible_precedent, rank_key, rank_precedents
from ..store.protocol import Filter, Op
from .cases import _case_doc
from .decisions import precedents_for
from .media_match import image_precedents, with_image_precedents
from .networks import linked_accounts, linked_among, linked_cases_at_most
from .permissions import require_role
from .session import Session

__all__ = ["precedents_for_case", "LINKED_EXTRA", "FEW_ACCOUNTS"]

#: decisions on linked accounts added beyond `limit` when they did not rank in it
LINKED_EXTRA = 3
#: up to this many cases sharing the case's contacts or text (a bound of the linked
#: accounts, counted), the linked accounts' decisions are read by account and ranked
#: here; past it (a network of thousands), the store's precedent ranking is walked and
#: only its accounts are asked about: the same result without reading them all
FEW_ACCOUNTS = 64
#: how far down the whole ranking linked decisions are looked for first (see
#: `_linked_in_ranking`)
LINKED_SCAN = 200


def precedents_for_case(
    session: Session,
    case_id: str,
    factors: dict[str, bool] | None = None,
    *,
    clause_ids: set[str] | None = None,
    limit: int = 10,
) -> list[RankedPrecedent]:
    """Rank earlier decisions for `case_id`, best first, linked accounts' marked.

    Undecided cases need a factor profile (the moderator's draft); decided ones use
    the standing decision's factors and clauses. Decisions on cases with a
    matching image (PDQ) come first: the same picture already decided.
    """
    require_role(session, "read", "see precedents")
    case = _case_doc(session, case_id)
    clauses: set[str] = set(clause_ids or ())
    if factors is None:
        current = (
            session.ws.get("decisions", case["decision_id"]) if case.get("decision_id") else None
        )
        if current is None:
            same_image = image_precedents(session, case_id)
            if same_image:
                return same_image[:limit]
            raise ValidationError(
                f"case {case_id} has no decision yet; pass its factors (--factor NAME=yes|no ...)"
            )
        factors = current["factors"]
        clauses = {c["id"] for c in current["clauses"]}
    ranked = precedents_for(
        session,
        factors,
        clauses,
        exclude_case=case_id,
        limit=limit,
        jurisdiction=case.get("jurisdiction"),
    )
    merged = _with_linked(session, case, ranked, factors, clauses, limit)
    return with_image_precedents(session, case_id, merged, len(merged))


def _linked_in_ranking(
    session: Session,
    case: dict[str, Any],
    factors: dict[str, bool],
    clauses: set[str],
    shown: set[str],
) -> list[RankedPrecedent]:
    """The best LINKED_EXTRA decisions on linked accounts not in `shown`, in ranking order.

    First the top LINKED_SCAN of the whole ranking, asking which of its accounts are
    linked: when that finds enough (a network of thousands holds many decisions near
    the top) no better linked one can lie below it. Else every linked account is read
    and the ranking walked again with every other account passed over (a filter
    naming all the accounts, which costs more)."""
    wanted = LINKED_SCAN + len(shown)
    wide = precedents_for(
        session,
        factors,
        clauses,
        exclude_case=case["case_id"],
        limit=wanted,
        jurisdiction=case.get("jurisdiction"),
    )
    fresh = [r for r in wide if r.decision["decision_id"] not in shown]
    linked = linked_among(session, case["case_id"], {r.decision.get("account") for r in fresh})
    picked = [r for r in fresh if r.decision.get("account") in linked]
    if len(picked) >= LINKED_EXTRA or len(wide) < wanted:  # enough, or the whole ranking
        return picked[:LINKED_EXTRA]
    accounts = linked_accounts(session, case["case_id"])
    return precedents_for(
        session,
        factors,
        clauses,
        exclude_case=case["case_id"],
        limit=LINKED_EXTRA,
        jurisdiction=case.get("jurisdiction"),
        skip=[
            Filter("account", Op.NOT_IN, sorted(accounts)),
            Filter("decision_id", Op.IN, sorted(shown)),
        ],
    )


def _with_linked(
    session: Session,
    case: dict[str, Any],
    ranked: list[RankedPrecedent],
    factors: dict[str, bool],
    clauses: set[str],
    limit: int,
) -> list[RankedPrecedent]:
    if limit <= 0:
        return ranked
    case_id = case["case_id"]
    bound = linked_cases_at_most(session, case_id)
    if bound <= 0:  # no other case shares its contacts or text
        return ranked
    if bound > FEW_ACCOUNTS:
        # a large network: ask about the shown and candidate accounts only
        linked = linked_among(session, case_id, {r.decision.get("account") for r in ranked})
        out = [dataclasses.replace(r, linked=r.decision.get("account") in linked) for r in ranked]
        shown = {r.decision["decision_id"] for r in out}
        extra = _linked_in_ranking(session, case, factors, clauses, shown)
    else:
        accounts = linked_accounts(session, case_id)
        if not accounts:
            return ranked
        out = [dataclasses.replace(r, linked=r.decision.get("account") in accounts) for r in ranked]
        shown = {r.decision["decision_id"] for r in out}
        theirs = [
            d
            for account in sorted(accounts)
            for d in session.ws.lookup("decisions", "account", account)
            if d["decision_id"] not in shown
            and d["case_id"] != case_id
            and is_eligible_precedent(d)
        ]
        lib = session.library
        extra = rank_precedents(
            factors,
            clauses,
            theirs,
            LINKED_EXTRA,
            weights=lib.similarity,
            jurisdiction=case.get("jurisdiction"),
            family_of=lib.family_of,
        )
    out += [dataclasses.replace(r, linked=True) for r in extra]
    return sorted(out, key=rank_key, reverse=True)
