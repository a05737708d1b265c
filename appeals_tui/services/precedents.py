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
#: `_in_large_network`), and how far at most before every linked account is read
LINKED_SCAN = 200
LINKED_WALK_MAX = 12_800
#: what the walk reads of each decision (its id and time come too)
_ACCOUNT_FIELDS = ("account", "case_id")


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
    bound = linked_cases_at_most(session, case_id, FEW_ACCOUNTS + 1) if limit > 0 else 0
    if bound > FEW_ACCOUNTS:
        merged = _in_large_network(session, case, factors, clauses, limit)
    else:
        ranked = precedents_for(
            session,
            factors,
            clauses,
            exclude_case=case_id,
            limit=limit,
            jurisdiction=case.get("jurisdiction"),
        )
        merged = _with_linked(session, case, ranked, factors, clauses, limit) if bound else ranked
    if not case.get("media"):  # no image of its own to match: nothing goes first
        return merged
    return with_image_precedents(session, case_id, merged, len(merged))


def _in_large_network(
    session: Session,
    case: dict[str, Any],
    factors: dict[str, bool],
    clauses: set[str],
    limit: int,
) -> list[RankedPrecedent]:
    """The ranking for a case in a network of thousands: its first `limit` are shown,
    and the best LINKED_EXTRA decisions on linked accounts below them are added.

    The ranking is walked in windows (LINKED_SCAN, then 8x as far, ...), each read as
    a few fields only, asking which of the window's accounts are linked, until enough
    linked decisions are found or the ranking ends; only the decisions kept are read
    whole. The first `limit` of a longer walk are the `limit` ranking itself (the
    same order): one walk serves both."""
    case_id = case["case_id"]
    window = limit + LINKED_SCAN
    while True:
        wide = precedents_for(
            session,
            factors,
            clauses,
            exclude_case=case_id,
            limit=window,
            jurisdiction=case.get("jurisdiction"),
            fields=_ACCOUNT_FIELDS,
        )
        linked = linked_among(session, case_id, {r.decision.get("account") for r in wide})
        picked = [r for r in wide[limit:] if r.decision.get("account") in linked]
        if len(picked) >= LINKED_EXTRA or len(wide) < window or window >= LINKED_WALK_MAX:
            break
        window = min(LINKED_WALK_MAX, limit + 8 * max(window - limit, 1))
    shown = wide[:limit]
    extra = picked[:LINKED_EXTRA]
    if len(extra) < LINKED_EXTRA and len(wide) >= window:
        # the walk's end: every linked account, the ranking with the others passed over
        accounts = linked_accounts(session, case_id)
        extra = precedents_for(
            session,
            factors,
            clauses,
            exclude_case=case_id,
            limit=LINKED_EXTRA,
            jurisdiction=case.get("jurisdiction"),
            skip=[
                Filter("account", Op.NOT_IN, sorted(accounts)),
                Filter("decision_id", Op.IN, sorted(r.decision["decision_id"] for r in shown)),
            ],
            fields=_ACCOUNT_FIELDS,
        )
    whole = {
        d["decision_id"]: d
        for d in session.ws.get_many(
            "decisions", [r.decision["decision_id"] for r in [*shown, *extra]]
        )
    }
    out = [
        dataclasses.replace(
            r, decision=whole[r.decision["decision_id"]], linked=r.decision.get("account") in linked
        )
        for r in shown
    ]
    out += [
        dataclasses.replace(r, decision=whole[r.decision["decision_id"]], linked=True)
        for r in extra
    ]
    return sorted(out, key=rank_key, reverse=True)


def _with_linked(
    session: Session,
    case: dict[str, Any],
    ranked: list[RankedPrecedent],
    factors: dict[str, bool],
    clauses: set[str],
    limit: int,
) -> list[RankedPrecedent]:
    """A small network (at most FEW_ACCOUNTS other cases): its accounts' decisions are
    read by account and ranked here."""
    if limit <= 0:
        return ranked
    case_id = case["case_id"]
    accounts = linked_accounts(session, case_id)
    if not accounts:
        return ranked
    out = [dataclasses.replace(r, linked=r.decision.get("account") in accounts) for r in ranked]
    shown = {r.decision["decision_id"] for r in out}
    theirs = [
        d
        for account in sorted(accounts)
        for d in session.ws.lookup("decisions", "account", account)
        if d["decision_id"] not in shown and d["case_id"] != case_id and is_eligible_precedent(d)
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
