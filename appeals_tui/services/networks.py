"""Account networks: accounts linked by a shared means of contact, near-duplicate
content or a matching image.

Why: the accounts in a coordinated operation come many at a time, each decided on
its own by a different moderator on a different day. Linking them shows the
moderator the other decisions (Linked tab, precedents marked "linked") and shows
leads where a network was treated inconsistently (one account removed for the
same Telegram handle another was only labelled for).

Links are read from each case's normalised contacts and text key (`cases.contacts`,
`cases.text_key`, store/schema.py), written with the case at import (existing
workspaces: the schema-3 and schema-4 migrations),
held in memory as a graph kept current from the audit chain (services/link_graph.py);
near-duplicate texts are grouped by services/text_groups.py and images matched by
services/media_match.py. Accounts are identified by their account name.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import eq
from typing import Any

from ..domain.case_links import case_text
from ..domain.contacts import contact_label
from ..domain.errors import NotFound
from ..domain.jsontypes import JsonObject
from ..domain.models import Case
from ..domain.near_duplicates import ratio
from ..store.protocol import Doc, Filter, Op, Order, Page, Store
from .cases import _case_doc
from .link_graph import LinkGraph, built_graph, graph_for, keep_graph
from .media_match import ImageLink, ImageMatch, case_image_matches, image_links
from .permissions import require_lead, require_role
from .session import Session
from .text_groups import Union, text_groups

__all__ = [
    "LinkedCase",
    "CaseLinks",
    "Inconsistency",
    "Network",
    "MEMBERS_SHOWN",
    "links_for_case",
    "warm_links",
    "linked_accounts",
    "linked_among",
    "linked_cases_at_most",
    "list_networks",
    "get_network",
    "network_open_cases",
]

#: where each case's contacts and text key are (`cases.contacts`, `cases.text_key`)
LINKS = "cases"
#: the declared field of a case's account
ACCOUNT = "subject.account"
_OPEN = frozenset(("open", "in_review"))
#: accounts listed with a case's links (the count is always whole)
ACCOUNTS_SHOWN = 100
#: distinct texts in a case's near-duplicate group past which one case's links read
#: the link graph rather than look each text up
FEW_TEXTS = 256
#: linked cases past which, on a store answering on its server, a case's accounts are
#: those of the linked cases read (`CaseLinks.accounts_capped`) rather than every one
ACCOUNTS_COUNTED = 10_000
#: members listed per network and list by `Network.to_dict` unless asked otherwise
MEMBERS_SHOWN = 100


def _account(doc: Doc) -> str:
    """The account of a case (or of a `case_links` record of an older schema)."""
    if "subject" in doc:
        return str((doc.get("subject") or {}).get("account") or "")
    return str(doc.get("account") or "")


# --------------------------------------------------------------------------- one case


@dataclass
class LinkedCase:
    """Another account's case that shares something with the case at hand."""

    case_id: str
    account: str
    platform: str
    status: str
    via: list[str]  # "Telegram @x", "near-duplicate text (93%)", "matching image (PDQ distance 6)"
    decision_id: str | None = None
    action: str | None = None
    clauses: list[str] = field(default_factory=list)


@dataclass
class CaseLinks:
    """One case's links. `total` is always whole. `accounts` and `account_total` are
    every linked account, except on a store answering on its server (PostgreSQL) when
    more than ACCOUNTS_COUNTED cases are linked: then `accounts_capped` is True and they
    cover the accounts of the newest linked cases read (at least those; a contact shared
    by 300k cases would otherwise mean reading 300k accounts)."""

    case_id: str
    account: str
    contacts: list[str]
    linked: list[LinkedCase]
    total: int  # linked cases found (the list is cut to `limit`, newest first)
    accounts: list[str]  # linked accounts other than this case's (first ACCOUNTS_SHOWN)
    account_total: int = 0  # linked accounts found
    accounts_capped: bool = False  # account_total is a lower bound (see above)


def _standing(session: Session, case: Doc) -> Doc | None:
    did = case.get("decision_id")
    return session.ws.get("decisions", did) if did else None


@dataclass
class _Sources:
    """What links one case: (what, cases, accounts) per contact and text group, the
    cases of its own account among them, its contacts, and each linked case's text key."""

    links: list[tuple[str, set[str], set[str]]]
    own: set[str]
    contacts: list[str]
    key: int | None
    key_of: dict[str, int]


def _from_graph(graph: LinkGraph, case_id: str, me: str) -> _Sources:
    out = []
    for contact in graph.contacts_of.get(case_id, ()):
        out.append(
            (f"contact:{contact}", graph.by_contact[contact], graph.accounts_by_contact[contact])
        )
    root = graph.group_of(case_id)
    if root is not None:
        out.append(
            ("text", graph.group_cases.get(root, set()), graph.group_accounts.get(root, set()))
        )
    return _Sources(
        out,
        graph.cases_of.get(me, set()),
        list(graph.contacts_of.get(case_id, ())),
        graph.key_of.get(case_id),
        graph.key_of,
    )


def _from_store(session: Session, case_id: str, me: str) -> _Sources | None:
    """The same, asked of the store's indexes (a process that has not read the link
    graph: the first case a TUI opens, `networks --case`); None when the case's text
    has more than FEW_TEXTS near-duplicate texts (reading the graph is then cheaper
    than a lookup per text)."""
    store = session.ws
    mine = store.get(LINKS, case_id) or {}
    out: list[tuple[str, set[str], set[str]]] = []
    own: set[str] = set()
    key_of: dict[str, int] = {}

    def add(what: str, docs: Iterable[Doc]) -> None:
        cases, accounts = set(), set()
        for doc in docs:
            cases.add(doc["case_id"])
            accounts.add(_account(doc))
            if _account(doc) == me:
                own.add(doc["case_id"])
            if doc.get("text_key") is not None:
                key_of[doc["case_id"]] = doc["text_key"]
        out.append((what, cases, accounts))

    contacts = list(mine.get("contacts") or ())
    for contact in contacts:
        add(f"contact:{contact}", store.lookup(LINKS, "contacts", contact))
    key = mine.get("text_key")
    if key is not None:
        keys = text_groups(store).group(key)
        if len(keys) > FEW_TEXTS:
            return None
        add("text", (d for k in keys for d in store.lookup(LINKS, "text_key", k)))
    return _Sources(out, own, contacts, key, key_of)


def links_for_case(session: Session, case_id: str, *, limit: int = 50) -> CaseLinks:
    """Other accounts' cases sharing a contact, (near-)duplicate text or a matching image
    with `case_id`, newest first (at most `limit`), each with its standing decision.

    On a store answering on its server (PostgreSQL) always bounded questions
    (`_on_server`): the graph means reading every case over the wire
    (1.17M at 1M cases, a minute and a gigabyte). Embedded: from the link graph when
    this process has read it (`warm_links`, or networks listed), else from the store's
    indexes: reading the graph costs about a second at 100k cases, more than one
    case's links do."""
    require_role(session, "read", "see linked accounts")
    case = _case_doc(session, case_id)
    me = _account(case)
    images = [m for m in case_image_matches(session, case_id) if m.account != me]
    if session.ws.groups_on_server:
        return _on_server(session, case, images, limit)
    graph = built_graph(session.ws)
    if graph is None:
        src = _from_store(session, case_id, me)
        if src is not None:
            return _case_links(session, case, src, images, limit)
        graph = graph_for(session.ws)  # a text shared by thousands: read the graph
    with graph.lock:
        return _case_links(session, case, _from_graph(graph, case_id, me), images, limit)


def _on_server(session: Session, case: Doc, images: list[ImageMatch], limit: int) -> CaseLinks:
    """`links_for_case` in questions whose answers stay small whatever the workspace:
    per contact and for the text group, the newest `limit` other accounts' cases (their
    union's newest `limit` are among them); counts for the total; the accounts by a
    distinct up to ACCOUNTS_COUNTED linked cases, else those of the cases read."""
    store = session.ws
    case_id, me = case["case_id"], _account(case)
    mine = store.get(LINKS, case_id) or {}
    contacts = list(mine.get("contacts") or ())
    key = mine.get("text_key")
    keys = [] if key is None else sorted(text_groups(store).group(key))
    others = Filter(ACCOUNT, Op.NE, me)
    by_contact = [Filter("contacts", Op.IN, contacts)] if contacts else []
    by_text = [Filter("text_key", Op.IN, keys)] if keys else []
    out: list[tuple[str, set[str], set[str]]] = []
    key_of: dict[str, int] = {}

    def read(what: str, where: list[Filter]) -> None:
        rows = (
            store.query(
                LINKS, [*where, others], [Order("case_id", descending=True)], Page(limit=limit)
            ).rows
            if limit > 0
            else []
        )
        for doc in rows:
            if doc.get("text_key") is not None:
                key_of[doc["case_id"]] = doc["text_key"]
        out.append((what, {d["case_id"] for d in rows}, {_account(d) for d in rows}))

    for contact in contacts:
        read(f"contact:{contact}", [Filter("contacts", Op.EQ, contact)])
    if by_text:
        rows = _newest_of_texts(store, keys, others, limit)
        key_of.update((d["case_id"], d["text_key"]) for d in rows)
        out.append(("text", {d["case_id"] for d in rows}, {d["account"] for d in rows}))
    total = 0
    if by_contact:
        total += store.count(LINKS, [*by_contact, others])
    if by_text:
        total += store.count(LINKS, [*by_text, others])
    if by_contact and by_text:
        total -= store.count(LINKS, [*by_contact, *by_text, others])
    linked_docs = store.get_many(LINKS, sorted({m.case_id for m in images}))
    linked_ids = {
        d["case_id"]
        for d in linked_docs
        if set(d.get("contacts") or ()) & set(contacts) or (keys and d.get("text_key") in keys)
    }
    total += len({m.case_id for m in images} - linked_ids)
    links = _case_links(session, case, _Sources(out, set(), contacts, key, key_of), images, limit)
    links.total = total
    if total <= ACCOUNTS_COUNTED:
        names: set[str] = {m.account for m in images}
        for where in (by_contact, by_text):
            if where:
                names.update(map(str, store.distinct(LINKS, ACCOUNT, [*where, others])))
        names.discard(me)
        links.accounts = heapq.nsmallest(ACCOUNTS_SHOWN, names)
        links.account_total = len(names)
    else:
        links.accounts_capped = True
    return links


def _newest_of_texts(store: Store, keys: list[int], others: Filter, limit: int) -> list[Doc]:
    """The newest `limit` other accounts' cases holding any of these text keys, as
    {case_id, account, text_key}: per key its newest `limit` (the union's newest are
    among them), only those fields read. A text reposted 70k times at 1M cases: an
    index-only walk of the key's entries (`cases_text_first`), ~60 ms; reading the
    whole case rows to sort them was 0.3-1.1 s (their pages, not the index's)."""
    if limit <= 0:
        return []
    firsts = store.firsts(
        LINKS,
        ["text_key"],
        [(k,) for k in keys],
        limit,
        where=[others],
        order=[Order("case_id", descending=True)],
        fields=["case_id", ACCOUNT, "text_key"],
    )
    newest = heapq.nlargest(limit, chain.from_iterable(firsts), key=lambda d: str(d["case_id"]))
    return [
        {"case_id": d["case_id"], "account": str(d[ACCOUNT] or ""), "text_key": d["text_key"]}
        for d in newest
    ]


def warm_links(session: Session) -> None:
    """Read the link graph now (a worker of the TUI, once a case is on screen), so
    later cases' links come from it. Not on a store answering on its server, whose
    cases' links never read the graph (`links_for_case`)."""
    require_role(session, "read", "see linked accounts")
    if not session.ws.groups_on_server:
        graph = graph_for(session.ws)
        with graph.lock:
            keep_graph(session.ws, graph)


def _case_links(
    session: Session, case: Doc, src: _Sources, images: list[ImageMatch], limit: int
) -> CaseLinks:
    case_id, me = case["case_id"], _account(case)
    found = set().union(*(cases for _, cases, _ in src.links))
    found.update(m.case_id for m in images)
    mine = src.own & found
    total = len(found) - len(mine) - (case_id in found and case_id not in src.own)
    newest = [
        c
        for c in heapq.nlargest(max(limit, 0) + len(mine) + 1, found)
        if c not in src.own and c != case_id
    ][: max(limit, 0)]
    accounts = set().union(*(names for _, _, names in src.links))
    accounts.update(m.account for m in images)
    accounts.discard(me)
    why = {c: [what for what, cases, _ in src.links if c in cases] for c in newest}
    same_text = {c for c in newest if src.key is not None and src.key_of.get(c) == src.key}
    nearest = {m.case_id: m for m in images}  # one per case, its nearest image
    text = case_text(case)
    linked = []
    for doc in session.ws.get_many("cases", newest):
        other = doc["case_id"]
        via = []
        for what in why[other]:
            if what.startswith("contact:"):
                via.append(contact_label(what.removeprefix("contact:")))
            elif other in same_text:
                via.append("same text")
            else:
                via.append(f"near-duplicate text ({ratio(text, case_text(doc)):.0f}%)")
        if other in nearest:
            via.append(f"matching image (PDQ distance {nearest[other].distance})")
        decision = _standing(session, doc)
        linked.append(
            LinkedCase(
                case_id=other,
                account=_account(doc),
                platform=str(doc["subject"].get("platform", "")),
                status=doc.get("status", ""),
                via=via,
                decision_id=decision["decision_id"] if decision else None,
                action=decision["action"] if decision else None,
                clauses=[c["id"] for c in decision["clauses"]] if decision else [],
            )
        )
    return CaseLinks(
        case_id=case_id,
        account=me,
        contacts=src.contacts,
        linked=linked,
        total=total,
        accounts=heapq.nsmallest(ACCOUNTS_SHOWN, accounts),
        account_total=len(accounts),
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
    keys = () if key is None else tuple(sorted(text_groups(store).group(key)))
    return _Ties(_account(mine), tuple(mine.get("contacts") or ()), keys)


def linked_among(session: Session, case_id: str, accounts: Iterable[str | None]) -> set[str]:
    """Which of `accounts` are linked to the case (marks precedents).

    Asks about those accounts only: a text shared by tens of thousands of cases is
    still a lookup of the few hundred candidate accounts (the `cases.subject.account`
    index), not a read of every account sharing it."""
    store = session.ws
    ties = _ties(store, case_id)
    if ties is None:
        return set()
    wanted = sorted({str(a) for a in accounts if a} - {ties.account})
    if not wanted:
        return set()
    names: set[str] = set()
    among = Filter(ACCOUNT, Op.IN, wanted)
    if ties.contacts:
        names.update(
            store.distinct(LINKS, ACCOUNT, [among, Filter("contacts", Op.IN, list(ties.contacts))])
        )
    if ties.keys:
        names.update(
            store.distinct(LINKS, ACCOUNT, [among, Filter("text_key", Op.IN, list(ties.keys))])
        )
    names.discard(ties.account)
    return {str(n) for n in names}


def linked_cases_at_most(session: Session, case_id: str, cap: int | None = None) -> int:
    """An upper bound of the accounts linked to the case (the other cases sharing any of
    its contacts or text keys): counted, not read. With `cap`, each kind is counted up
    to `cap` (a text shared by 130k cases costs 66 index entries): the answer is exact
    while at most `cap`, and above `cap` whenever the bound is."""
    store = session.ws
    ties = _ties(store, case_id)
    if ties is None:
        return 0
    at_most = None if cap is None else cap + 1  # the case's own record is counted too
    n = 0
    if ties.contacts:  # the case's own record is among them: not another account's
        n += store.count(LINKS, [Filter("contacts", Op.IN, list(ties.contacts))], at_most) - 1
    if ties.keys:
        n += store.count(LINKS, [Filter("text_key", Op.IN, list(ties.keys))], at_most) - 1
    return n


def linked_accounts(session: Session, case_id: str) -> set[str]:
    """Accounts (other than the case's own) sharing a contact or (near-)duplicate text
    with the case (marks precedents).

    Asks the store for the distinct accounts per shared contact and text group rather
    than building the whole link graph: a fresh `appeals precedents` process pays for
    this case's links only."""
    store = session.ws
    mine = store.get(LINKS, case_id)
    if mine is None:
        return set()
    names: set[str] = set()
    for contact in mine.get("contacts") or ():
        names.update(store.distinct(LINKS, ACCOUNT, [Filter("contacts", Op.EQ, contact)]))
    key = mine.get("text_key")
    if key is not None:
        keys = text_groups(store).group(key)
        names.update(store.distinct(LINKS, ACCOUNT, [Filter("text_key", Op.IN, keys)]))
    names.discard(_account(mine))
    return {str(n) for n in names}


# --------------------------------------------------------------------------- networks


@dataclass
class Inconsistency:
    """One shared link whose accounts' standing decisions differ."""

    via: str
    actions: dict[str, list[str]]  # action -> case ids

    def to_dict(self, members: slice = slice(None)) -> JsonObject:
        return {
            "via": self.via,
            "actions": {a: cases[members] for a, cases in self.actions.items()},
            "counts": {a: len(cases) for a, cases in self.actions.items()},
        }


@dataclass
class Network:
    network_id: str
    accounts: list[str]
    cases: list[str]
    open_cases: list[str]
    decisions_by_action: dict[str, int]
    links: list[str]  # what ties it together (contacts, text groups, image pairs)
    inconsistencies: list[Inconsistency]

    @property
    def inconsistent(self) -> bool:
        return bool(self.inconsistencies)

    def to_dict(self, members: int | None = MEMBERS_SHOWN, page: int = 1) -> JsonObject:
        """The network with at most `members` of each list (page `page`, from 1; None:
        all), and every list's full length (a network can hold most of a workspace)."""
        cut = slice(None) if members is None else slice((page - 1) * members, page * members)
        return {
            "network_id": self.network_id,
            "account_count": len(self.accounts),
            "case_count": len(self.cases),
            "open_case_count": len(self.open_cases),
            "link_count": len(self.links),
            "inconsistency_count": len(self.inconsistencies),
            "members": None if members is None else {"per_list": members, "page": page},
            "accounts": self.accounts[cut],
            "cases": self.cases[cut],
            "open_cases": self.open_cases[cut],
            "decisions_by_action": self.decisions_by_action,
            "links": self.links[cut],
            "inconsistent": self.inconsistent,
            "inconsistencies": [i.to_dict(cut) for i in self.inconsistencies[cut]],
        }


def _network_id(accounts: list[str]) -> str:
    return "N-" + hashlib.sha256("\n".join(accounts).encode()).hexdigest()[:8]


def list_networks(session: Session, *, min_accounts: int = 2) -> list[Network]:
    """Connected components of accounts linked by a shared contact, near-duplicate text
    or matching image, largest first; each flags links whose standing decisions differ."""
    require_lead(session, "see account networks")
    pairs = image_links(session)
    graph = graph_for(session.ws)
    with graph.lock:
        found = _networks(session, graph, pairs, min_accounts)
        keep_graph(session.ws, graph)  # for the next process (link_state.py)
        return found


def _networks(
    session: Session, graph: LinkGraph, pairs: list[ImageLink], min_accounts: int
) -> list[Network]:
    find = graph.accounts.find
    size = graph.accounts.size
    overlay = Union()  # the graph's networks joined further by matching images
    for pair in pairs:
        overlay.union(find(pair.account_a), find(pair.account_b))
    members: dict[Any, list[str]] = {}
    for account in graph.cases_of:
        base = find(account)
        if size[base] == 1 and base not in overlay.parent:
            continue
        members.setdefault(overlay.find(base), []).append(account)
    comps = {root: names for root, names in members.items() if len(names) >= min_accounts}

    def comp(account: str) -> Any:
        return overlay.find(find(account)) if account in graph.accounts.parent else None

    cases_of = {
        root: sorted(chain.from_iterable(map(graph.cases_of.__getitem__, names)))
        for root, names in comps.items()
    }
    graph.load_facts(session.ws, chain.from_iterable(cases_of.values()))
    action_of, status_of = graph.action_of, graph.status_of
    labels: dict[Any, list[str]] = {root: [] for root in comps}
    problems: dict[Any, list[Inconsistency]] = {root: [] for root in comps}

    def tie(label: str, accounts: set[str], linked: Iterable[str]) -> None:
        if len(accounts) < 2:
            return
        root = comp(next(iter(accounts)))
        if root not in comps:
            return
        labels[root].append(label)
        cases = list(linked)
        actions = list(map(action_of.get, cases))
        taken = {a for a in set(actions) if a is not None}
        if len(taken) > 1:  # one C-level pass per action (a contact can hold 30k cases)
            split: dict[str, list[str]] = {
                a: sorted(compress(cases, map(eq, repeat(a), actions))) for a in taken
            }
            # actions in the order of their first case
            ordered = dict(sorted(split.items(), key=lambda kv: kv[1][0]))
            problems[root].append(Inconsistency(label, ordered))

    for contact, cases in graph.by_contact.items():
        tie(contact_label(contact), graph.accounts_by_contact[contact], cases)
    for root, cases in graph.group_cases.items():
        keys = graph.text.group(root)
        kind = "near-duplicate text" if len(keys) > 1 else "same text"
        snippet = graph.text.texts.get(min(keys), "")[:40]
        tie(f"{kind}: “{snippet}”", graph.group_accounts.get(root, set()), cases)
    for pair in pairs:
        label = f"matching image: {pair.case_a} ~ {pair.case_b} (PDQ distance {pair.distance})"
        tie(label, {pair.account_a, pair.account_b}, (pair.case_a, pair.case_b))
    out = []
    for root, names in comps.items():
        accounts = sorted(names)
        held = cases_of[root]
        counts = Counter(map(action_of.get, held))
        opened = map(_OPEN.__contains__, map(status_of.get, held))
        open_cases = list(compress(held, opened))
        out.append(
            Network(
                network_id=_network_id(accounts),
                accounts=accounts,
                cases=cases_of[root],
                open_cases=open_cases,
                decisions_by_action={a: counts[a] for a in sorted(filter(None, counts))},
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
    docs = session.ws.get_many("cases", network.open_cases)
    found = sorted(
        (d for d in docs if d["status"] in _OPEN),
        key=lambda d: (d.get("first_reported_at") or "", d["case_id"]),
    )
    return [Case.from_dict(d) for d in found]
