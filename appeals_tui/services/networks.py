"""Account networks: accounts linked by a shared means of contact or near-duplicate content.

Why: the accounts in a coordinated operation come many at a time, each decided on
its own by a different moderator on a different day. Linking them shows the
moderator the other decisions (Linked tab, precedents marked "linked") and shows
leads where a network was treated inconsistently (one account removed for the
same Telegram handle another was only labelled for).

Links are read from the `case_links` table (store/schema.py): each case's
normalised contacts and text key, written at import (or by the schema-2 migration).
Exact duplicates share a text key; near ones are found by `domain.near_duplicates`
and confirmed by rapidfuzz. Accounts are identified by their account name.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..domain.case_links import case_text
from ..domain.contacts import contact_label
from ..domain.errors import NotFound
from ..domain.models import Case
from ..domain.near_duplicates import NearDupSettings, similar, sketch
from ..store.protocol import Doc, Filter, Op, Page, Store
from ..store.shipped import default_near_dup_settings
from .cases import _case_doc
from .media_match import image_links
from .permissions import require_lead, require_role
from .session import Session

__all__ = [
    "LinkedCase",
    "CaseLinks",
    "Inconsistency",
    "Network",
    "links_for_case",
    "linked_accounts",
    "linked_among",
    "linked_cases_at_most",
    "list_networks",
    "get_network",
    "network_open_cases",
]

LINKS = "case_links"
_OPEN = ("open", "in_review")


def _account(doc: Doc) -> str:
    """The account of a case or of a case_links record."""
    if "subject" in doc:
        return str((doc.get("subject") or {}).get("account") or "")
    return str(doc.get("account") or "")


class _NearDuplicates:
    """Per workspace: distinct texts, their sketches and confirmed near-duplicate pairs.

    Kept in memory and brought up to date from the workspace's text index on each
    use (cases' texts never change, so only new keys need work)."""

    def __init__(self, settings: NearDupSettings) -> None:
        self.settings = settings
        self.known: set[int] = set()
        self.by_hash: dict[int, list[int]] = {}
        self.texts: dict[int, str] = {}
        self.neighbours: dict[int, set[int]] = {}
        self.lock = threading.Lock()

    def sync(self, store: Store) -> None:
        with self.lock:
            fresh = [k for k in store.distinct(LINKS, "text_key") if k not in self.known]
            cap = self.settings.common_cap
            for key in fresh:
                one = store.query(LINKS, [Filter("text_key", Op.EQ, key)], page=Page(limit=1))
                case = store.get("cases", one.rows[0]["case_id"]) if one.rows else None
                if case is None:
                    continue
                norm = case_text(case)
                candidates: set[int] = set()
                hashes = sketch(norm, self.settings)
                for h in hashes:
                    bucket = self.by_hash.get(h)
                    if bucket and len(bucket) <= cap:
                        candidates.update(bucket)
                for other in candidates:
                    if similar(norm, self.texts[other], self.settings):
                        self.neighbours.setdefault(key, set()).add(other)
                        self.neighbours.setdefault(other, set()).add(key)
                for h in hashes:
                    self.by_hash.setdefault(h, []).append(key)
                self.texts[key] = norm
                self.known.add(key)


_NEAR: weakref.WeakKeyDictionary[Store, _NearDuplicates] = weakref.WeakKeyDictionary()
_NEAR_LOCK = threading.Lock()


def _near(store: Store) -> _NearDuplicates:
    with _NEAR_LOCK:
        state = _NEAR.get(store)
        if state is None:
            state = _NEAR[store] = _NearDuplicates(default_near_dup_settings())
    state.sync(store)
    return state


# --------------------------------------------------------------------------- one case


@dataclass
class LinkedCase:
    """Another account's case that shares something with the case at hand."""

    case_id: str
    account: str
    platform: str
    status: str
    via: list[str]  # "Telegram @x", "near-duplicate text (93%)"
    decision_id: str | None = None
    action: str | None = None
    clauses: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CaseLinks:
    case_id: str
    account: str
    contacts: list[str]
    linked: list[LinkedCase]
    total: int  # linked cases found (the list may be cut to `limit`)
    accounts: list[str]  # linked accounts (other than this case's)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "account": self.account,
            "contacts": self.contacts,
            "accounts": self.accounts,
            "total": self.total,
            "linked": [x.to_dict() for x in self.linked],
        }


def _standing(store: Store, case: Doc) -> Doc | None:
    did = case.get("decision_id")
    return store.get("decisions", did) if did else None


def _link_map(store: Store, case_id: str) -> tuple[Doc | None, dict[str, tuple[Doc, list[str]]]]:
    """The case's links record, and case_id -> (links record, reasons) for other
    accounts' cases linked to it."""
    mine = store.get(LINKS, case_id)
    found: dict[str, tuple[Doc, list[str]]] = {}
    if mine is None:
        return None, found
    me = _account(mine)

    def add(docs: Iterable[Doc], why: str) -> None:
        for doc in docs:
            if _account(doc) == me or doc["case_id"] == case_id:
                continue
            found.setdefault(doc["case_id"], (doc, []))[1].append(why)

    for contact in mine.get("contacts") or ():
        add(store.lookup(LINKS, "contacts", contact), contact_label(contact))
    key = mine.get("text_key")
    if key is not None:
        near = _near(store)
        add(store.lookup(LINKS, "text_key", key), "same text")
        text = near.texts.get(key, "")
        for other in sorted(near.neighbours.get(key, ())):
            ratio = similar(text, near.texts[other], near.settings)
            add(store.lookup(LINKS, "text_key", other), f"near-duplicate text ({ratio:.0f}%)")
    return mine, found


def links_for_case(session: Session, case_id: str, *, limit: int = 50) -> CaseLinks:
    """Other accounts' cases sharing a contact or (near-)duplicate text with `case_id`,
    newest first (at most `limit`), each with its standing decision."""
    require_role(session, "read", "see linked accounts")
    case = _case_doc(session, case_id)
    store = session.ws
    mine, found = _link_map(store, case_id)
    newest = sorted(found, reverse=True)[: max(limit, 0)]
    linked = []
    for doc in store.get_many("cases", newest):
        decision = _standing(store, doc)
        linked.append(
            LinkedCase(
                case_id=doc["case_id"],
                account=_account(doc),
                platform=str(doc["subject"].get("platform", "")),
                status=doc.get("status", ""),
                via=list(dict.fromkeys(found[doc["case_id"]][1])),
                decision_id=decision["decision_id"] if decision else None,
                action=decision["action"] if decision else None,
                clauses=[c["id"] for c in decision["clauses"]] if decision else [],
            )
        )
    return CaseLinks(
        case_id=case_id,
        account=_account(case),
        contacts=list((mine or {}).get("contacts") or ()),
        linked=linked,
        total=len(found),
        accounts=sorted({_account(doc) for doc, _ in found.values()}),
    )


@dataclass(frozen=True)
class _Ties:
    """What links a case to others: its account, contacts and text keys (its own and
    its near-duplicates')."""

    account: str
    contacts: tuple[str, ...]
    keys: tuple[int, ...]


def _ties(store: Store, case_id: str) -> _Ties | None:
    mine = store.get(LINKS, case_id)
    if mine is None:
        return None
    key = mine.get("text_key")
    keys = () if key is None else (key, *sorted(_near(store).neighbours.get(key, ())))
    return _Ties(_account(mine), tuple(mine.get("contacts") or ()), keys)


def linked_among(session: Session, case_id: str, accounts: Iterable[str | None]) -> set[str]:
    """Which of `accounts` are linked to the case (marks precedents).

    Asks about those accounts only: a text shared by tens of thousands of cases is
    still a lookup of the few hundred candidate accounts (the `case_links.account`
    index), not a read of every account sharing it."""
    store = session.ws
    ties = _ties(store, case_id)
    if ties is None:
        return set()
    wanted = sorted({str(a) for a in accounts if a} - {ties.account})
    if not wanted:
        return set()
    names: set[str] = set()
    among = Filter("account", Op.IN, wanted)
    if ties.contacts:
        names.update(
            store.distinct(
                LINKS, "account", [among, Filter("contacts", Op.IN, list(ties.contacts))]
            )
        )
    if ties.keys:
        names.update(
            store.distinct(LINKS, "account", [among, Filter("text_key", Op.IN, list(ties.keys))])
        )
    names.discard(ties.account)
    return {str(n) for n in names}


def linked_cases_at_most(session: Session, case_id: str) -> int:
    """An upper bound of the accounts linked to the case (the other cases sharing any of
    its contacts or text keys): counted, not read."""
    store = session.ws
    ties = _ties(store, case_id)
    if ties is None:
        return 0
    n = 0
    if ties.contacts:  # the case's own record is among them: not another account's
        n += store.count(LINKS, [Filter("contacts", Op.IN, list(ties.contacts))]) - 1
    if ties.keys:
        n += store.count(LINKS, [Filter("text_key", Op.IN, list(ties.keys))]) - 1
    return n


def linked_accounts(session: Session, case_id: str) -> set[str]:
    """Accounts (other than the case's own) linked to the case (marks precedents).

    Asks the store for the distinct accounts per shared contact or text key, not for
    the linked records: a contact shared by thousands of cases stays one query."""
    store = session.ws
    mine = store.get(LINKS, case_id)
    if mine is None:
        return set()
    names: set[str] = set()
    for contact in mine.get("contacts") or ():
        names.update(store.distinct(LINKS, "account", [Filter("contacts", Op.EQ, contact)]))
    key = mine.get("text_key")
    if key is not None:
        near = _near(store)
        for k in (key, *sorted(near.neighbours.get(key, ()))):
            names.update(store.distinct(LINKS, "account", [Filter("text_key", Op.EQ, k)]))
    names.discard(_account(mine))
    return {str(n) for n in names}


# --------------------------------------------------------------------------- networks


@dataclass
class Inconsistency:
    """One shared link whose accounts' standing decisions differ."""

    via: str
    actions: dict[str, list[str]]  # action -> case ids

    def to_dict(self) -> dict[str, Any]:
        return {"via": self.via, "actions": self.actions}


@dataclass
class Network:
    network_id: str
    accounts: list[str]
    cases: list[str]
    open_cases: list[str]
    decisions_by_action: dict[str, int]
    links: list[str]  # what ties it together (contacts, near-duplicate groups)
    inconsistencies: list[Inconsistency]

    @property
    def inconsistent(self) -> bool:
        return bool(self.inconsistencies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "network_id": self.network_id,
            "accounts": self.accounts,
            "cases": self.cases,
            "open_cases": self.open_cases,
            "decisions_by_action": self.decisions_by_action,
            "links": self.links,
            "inconsistent": self.inconsistent,
            "inconsistencies": [i.to_dict() for i in self.inconsistencies],
        }


class _Accounts:
    """Union-find over account names."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, a: str) -> str:
        parent = self.parent
        root = parent.setdefault(a, a)
        while root != parent[root]:
            root = parent[root]
        while a != root:
            parent[a], a = root, parent[a]
        return root

    def union(self, names: Iterable[str]) -> None:
        it = iter(names)
        first = next(it, None)
        if first is None:
            return
        root = self.find(first)
        for name in it:
            other = self.find(name)
            if other != root:
                self.parent[other] = root


def _link_groups(store: Store) -> list[tuple[str, list[Doc]]]:
    """(label, case_links records) for every contact and near-duplicate text group."""
    groups: list[tuple[str, list[Doc]]] = []
    for contact in store.distinct(LINKS, "contacts"):
        groups.append((contact_label(contact), store.lookup(LINKS, "contacts", contact)))
    near = _near(store)
    seen: set[int] = set()
    for key in sorted(near.known):
        if key in seen:
            continue
        # a near-duplicate group: the texts reachable through confirmed pairs
        members, todo = {key}, [key]
        while todo:
            for other in near.neighbours.get(todo.pop(), ()):
                if other not in members:
                    members.add(other)
                    todo.append(other)
        seen |= members
        docs = [d for k in sorted(members) for d in store.lookup(LINKS, "text_key", k)]
        if len({_account(d) for d in docs}) > 1:
            label = "near-duplicate text" if len(members) > 1 else "same text"
            snippet = near.texts[min(members)][:40]
            groups.append((f"{label}: “{snippet}”", docs))
    return groups


def _image_groups(session: Session) -> list[tuple[str, list[Doc]]]:
    """(label, case_links records) for each pair of accounts whose cases hold matching
    images (PDQ near-duplicates, services/media_match.py): one more kind of link."""
    groups: list[tuple[str, list[Doc]]] = []
    for link in image_links(session):
        docs = session.ws.get_many(LINKS, [link.case_a, link.case_b])
        if len(docs) == 2:
            label = f"matching image: {link.case_a} ~ {link.case_b} (PDQ distance {link.distance})"
            groups.append((label, docs))
    return groups


def _network_id(accounts: list[str]) -> str:
    return "N-" + hashlib.sha256("\n".join(accounts).encode()).hexdigest()[:8]


def list_networks(session: Session, *, min_accounts: int = 2) -> list[Network]:
    """Connected components of accounts linked by a shared contact or near-duplicate,
    largest first; each flags links whose standing decisions differ."""
    require_lead(session, "see account networks")
    store = session.ws
    groups = [(label, docs) for label, docs in _link_groups(store) if docs]
    groups += _image_groups(session)
    uf = _Accounts()
    for _, docs in groups:
        accounts = {_account(d) for d in docs}
        if len(accounts) > 1:
            uf.union(accounts)
    members: dict[str, set[str]] = {}
    for name in list(uf.parent):
        members.setdefault(uf.find(name), set()).add(name)
    by_root = {root: names for root, names in members.items() if len(names) >= min_accounts}
    labels: dict[str, list[str]] = {root: [] for root in by_root}
    problems: dict[str, list[Inconsistency]] = {root: [] for root in by_root}
    cases: dict[str, Doc] = {}
    actions_of: dict[str, str | None] = {}

    def action(case_id: str) -> str | None:
        if case_id not in actions_of:
            case = cases.get(case_id) or store.get("cases", case_id)
            decision = _standing(store, case) if case else None
            actions_of[case_id] = decision["action"] if decision else None
        return actions_of[case_id]

    for label, docs in groups:
        accounts = {_account(d) for d in docs}
        if len(accounts) < 2:
            continue
        root = uf.find(next(iter(accounts)))
        if root not in by_root:
            continue
        labels[root].append(label)
        split: dict[str, list[str]] = {}
        for doc in docs:
            did = action(doc["case_id"])
            if did is not None:
                split.setdefault(did, []).append(doc["case_id"])
        if len(split) > 1:
            problems[root].append(Inconsistency(label, {a: sorted(c) for a, c in split.items()}))
    out = []
    for root, names in by_root.items():
        linked = sorted(names)
        account_cases = {
            c["case_id"]: c
            for name in linked
            for c in store.lookup("cases", "subject.account", name)
        }
        cases.update(account_cases)
        counts: Counter[str] = Counter()
        for case_id in account_cases:
            did = action(case_id)
            if did is not None:
                counts[did] += 1
        out.append(
            Network(
                network_id=_network_id(linked),
                accounts=linked,
                cases=sorted(account_cases),
                open_cases=sorted(c for c, d in account_cases.items() if d["status"] in _OPEN),
                decisions_by_action=dict(sorted(counts.items())),
                links=sorted(set(labels[root])),
                inconsistencies=sorted(problems[root], key=lambda i: i.via),
            )
        )
    out.sort(key=lambda n: (-len(n.accounts), n.network_id))
    return out


def get_network(session: Session, network_id: str) -> Network:
    for network in list_networks(session):
        if network.network_id == network_id:
            return network
    raise NotFound(f"network '{network_id}' not found (networks change as cases are linked)")


def network_open_cases(session: Session, network_id: str) -> list[Case]:
    """The open cases of all the network's accounts, oldest report first (to decide as a batch)."""
    network = get_network(session, network_id)
    docs = [session.ws.get("cases", cid) for cid in network.open_cases]
    found = sorted(
        (d for d in docs if d and d["status"] in _OPEN),
        key=lambda d: (d.get("first_reported_at") or "", d["case_id"]),
    )
    return [Case.from_dict(d) for d in found]
