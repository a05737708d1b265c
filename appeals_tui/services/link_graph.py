"""The account-link graph of a workspace: held in memory, kept current from the audit chain.

Why: networks and a case's links are questions about every case's contacts and text
key (a contact shared by 30k cases, a text reposted 1,700 times). Asking the store per
call cost a pass over every shared record each time (all networks 4.7 s, one case's
links 0.4 s at p95 on the 100k bench). The graph reads `cases` once per process (with
each case's status: networks need it too), then
catches up from the audit chain: every transaction names the records it wrote
(`payload["records"]`, store/attest.py; both backends), so only those are read again.
A case's text and account never change and its contacts only grow, so the graph only adds;
anything else (a record gone, a text key changed, a chain behind us) rebuilds it.

Near-duplicate texts come in groups (services/text_groups.py); the graph keeps the
cases and accounts of each group and follows the groups' joins.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator

from ..domain.case_links import case_text
from ..store.protocol import Doc, Store
from ..store.shipped import default_near_dup_settings
from .text_groups import TextGroups, Union, install_text_groups, read_texts, text_groups

__all__ = ["LinkGraph", "graph_for", "built_graph", "keep_graph"]

#: where each case's contacts and text key are (`cases.contacts`, `cases.text_key`)
LINKS = "cases"
_WATCHED = ("cases/", "decisions/")
#: past this many changed records, reading the table again is cheaper than one by one
_REBUILD_AFTER = 50_000


class LinkGraph:
    """Cases linked by contact or (near-)duplicate text; accounts joined into networks.

    Use `graph_for(store)`: one per store, synced before each use; read it while
    holding `lock`."""

    def __init__(self, text: TextGroups) -> None:
        self.text = text
        self.lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self.seq = -1
        self.hash = ""  # of event `seq`: the chain the graph was read from
        #: the chain position of the copy kept in the store (link_state.py), -1: none
        self.saved_seq = -1
        self.facts_changed = False  # facts read or forgotten since that copy
        self.account_of: dict[str, str] = {}
        self.contacts_of: dict[str, tuple[str, ...]] = {}
        self.key_of: dict[str, int] = {}
        self.by_contact: dict[str, set[str]] = {}
        self.accounts_by_contact: dict[str, set[str]] = {}
        self.by_key: dict[int, set[str]] = {}
        self.cases_of: dict[str, set[str]] = {}  # account -> its cases
        self.group_cases: dict[int, set[str]] = {}  # text group root -> cases
        self.group_accounts: dict[int, set[str]] = {}  # text group root -> accounts
        self.merges_seen = len(self.text.merges)
        self.accounts = Union()  # joined by any shared contact or text group
        # status and standing decision's action per case, read when a network first
        # needs them and forgotten when the case changes (read again on the next need)
        self.status_of: dict[str, str] = {}
        self.action_of: dict[str, str | None] = {}

    # ---------------------------------------------------------------- keeping current

    def sync(self, store: Store) -> None:
        if not self.catch_up(store):
            self._rebuild(store)

    def catch_up(self, store: Store) -> bool:
        """Bring the graph to the chain's head by adding what the events since `seq`
        name; False when adding cannot do it (never read, another chain than the one
        it was read from, a head behind it, too many changes, a record changed in a
        way adding cannot express): then only a rebuild is right."""
        head = store.head()
        if head.seq == self.seq and head.hash == self.hash:
            return True
        if self.seq < 0 or head.seq <= self.seq:
            return False
        events = store.events(self.seq)
        first = events[0] if events else {}
        if first.get("seq") != self.seq + 1 or first.get("prev_hash") != self.hash:
            return False  # not the chain this graph was read from
        changed: dict[str, set[str]] = {p: set() for p in _WATCHED}
        for event in events:
            for name in (event.get("payload") or {}).get("records") or ():
                for prefix in _WATCHED:
                    if name.startswith(prefix):
                        changed[prefix].add(name[len(prefix) :])
        if sum(map(len, changed.values())) > _REBUILD_AFTER:
            return False
        links = changed["cases/"]
        if links:
            docs = store.get_many(LINKS, sorted(links))
            if len(docs) != len(links) or not self._add(store, docs):
                return False
        forget = set(links)
        decided = changed["decisions/"]
        if decided and self.status_of:  # the cases of changed decisions (few per write)
            forget.update(
                str(d.get("case_id")) for d in store.get_many("decisions", sorted(decided))
            )
        for case_id in forget:
            if self.status_of.pop(case_id, None) is not None:
                self.facts_changed = True
            self.action_of.pop(case_id, None)
        self.seq, self.hash = int(events[-1]["seq"]), str(events[-1]["hash"])
        return True

    def _rebuild(self, store: Store) -> None:
        self._reset()
        head = store.head()  # records read after it: events up to them are added again
        facts: list[tuple[str, str, str | None]] = []  # read anyway: networks need them
        self._add(store, _noting(store.iterate(LINKS), facts))
        self._set_facts(store, facts)
        self.seq, self.hash = head.seq, head.hash

    def _add(self, store: Store, docs: Iterable[Doc]) -> bool:
        """Add (or grow) cases; False if one changed in a way that adding cannot express
        (the caller rebuilds)."""
        fresh: dict[int, str] = {}  # new text key -> a case holding it
        texts: dict[str, str] = {}  # that case -> its text (read with it)
        pending: list[Doc] = []  # only the fields the graph keeps (cases are big)
        for doc in docs:
            case_id = doc["case_id"]
            key = doc.get("text_key")
            if case_id in self.account_of:
                if self.account_of[case_id] != _account(doc) or self.key_of.get(case_id) != key:
                    return False
                if not set(self.contacts_of.get(case_id, ())) <= set(doc.get("contacts") or ()):
                    return False
            if key is not None and key not in self.text.texts and key not in fresh:
                fresh[key] = case_id
                texts[case_id] = case_text(doc)
            pending.append({k: doc.get(k) for k in _KEPT})
        if fresh:
            self.text.add(read_texts(store, fresh, texts))
        self._follow_merges()
        for doc in pending:
            self._add_one(doc)
        return True

    def _add_one(self, doc: Doc) -> None:
        case_id = doc["case_id"]
        account = _account(doc)
        known = self.contacts_of.get(case_id, ())
        new_contacts = [c for c in doc.get("contacts") or () if c not in known]
        if case_id not in self.account_of:
            self.account_of[case_id] = account
            self.cases_of.setdefault(account, set()).add(case_id)
            self.accounts.find(account)
            key = doc.get("text_key")
            if key is not None:
                self.key_of[case_id] = key
                self.by_key.setdefault(key, set()).add(case_id)
                root = self.text.root(key)
                self._joins(self.group_accounts.setdefault(root, set()), account)
                self.group_cases.setdefault(root, set()).add(case_id)
        self.contacts_of[case_id] = (*known, *new_contacts)
        for contact in new_contacts:
            self.by_contact.setdefault(contact, set()).add(case_id)
            self._joins(self.accounts_by_contact.setdefault(contact, set()), account)

    def _follow_merges(self) -> None:
        """Text groups joined since last time: their cases, accounts (one network)."""
        with self.text.lock:
            merges = self.text.merges[self.merges_seen :]
            self.merges_seen = len(self.text.merges)
        for kept, gone in merges:
            cases = self.group_cases.pop(gone, set())
            accounts = self.group_accounts.pop(gone, set())
            into = self.group_accounts.setdefault(kept, set())
            if accounts and into:
                self.accounts.union(next(iter(accounts)), next(iter(into)))
            into |= accounts
            self.group_cases.setdefault(kept, set()).update(cases)

    def _joins(self, accounts: set[str], account: str) -> None:
        """`account` shares a link with `accounts` (all already one network)."""
        if account not in accounts:
            if accounts:
                self.accounts.union(account, next(iter(accounts)))
            accounts.add(account)

    # ---------------------------------------------------------------- questions

    def networked(self, account: str) -> bool:
        """Whether the account shares a link with at least one other account."""
        return self.accounts.size[self.accounts.find(account)] > 1

    def group_of(self, case_id: str) -> int | None:
        key = self.key_of.get(case_id)
        return None if key is None else self.text.root(key)

    def load_facts(self, store: Store, case_ids: Iterable[str]) -> None:
        """Make `status_of` and `action_of` hold every case of `case_ids`: the missing
        ones read in bulk (whole tables when they are many: reading 100k cases one by
        one costs several times a pass over the table)."""
        missing = set(case_ids).difference(self.status_of)
        if not missing:
            return
        if len(missing) * 5 > len(self.account_of):
            cases: Iterable[Doc] = store.iterate("cases")
        else:
            cases = store.get_many("cases", sorted(missing))
        facts: list[tuple[str, str, str | None]] = []
        for _ in _noting(cases, facts):
            pass
        self._set_facts(store, facts)

    def _set_facts(self, store: Store, facts: Iterable[tuple[str, str, str | None]]) -> None:
        """Record cases' status and standing decision's action ((case, status, decision))."""
        self.facts_changed = True
        decision_of: dict[str, str] = {}
        for case_id, status, did in facts:
            self.status_of[case_id] = status
            self.action_of[case_id] = None
            if did:
                decision_of[did] = case_id
        if len(decision_of) * 5 > len(self.account_of):
            decisions: Iterable[Doc] = store.iterate("decisions")
        else:
            decisions = store.get_many("decisions", sorted(decision_of))
        for decision in decisions:
            decided = decision_of.get(decision["decision_id"])
            if decided is not None:
                self.action_of[decided] = decision.get("action")


#: what the graph keeps of a case while adding it
_KEPT = ("case_id", "subject", "contacts", "text_key")


def _noting(cases: Iterable[Doc], facts: list[tuple[str, str, str | None]]) -> Iterator[Doc]:
    """`cases`, noting each one's (id, status, decision id) in `facts` as it passes."""
    for case in cases:
        facts.append((case["case_id"], str(case.get("status") or ""), case.get("decision_id")))
        yield case


def _account(case: Doc) -> str:
    return str((case.get("subject") or {}).get("account") or "")


_GRAPHS: weakref.WeakKeyDictionary[Store, LinkGraph] = weakref.WeakKeyDictionary()
_GRAPHS_LOCK = threading.Lock()
_BUILD_LOCK = threading.Lock()


def graph_for(store: Store) -> LinkGraph:
    """The store's link graph, brought up to date (callers hold `graph.lock` while reading).

    A graph is published for `built_graph` only once read whole, so a case opened while
    a worker reads it takes the store's indexes instead of waiting."""
    with _GRAPHS_LOCK:
        graph = _GRAPHS.get(store)
    if graph is None:
        with _BUILD_LOCK:
            with _GRAPHS_LOCK:
                graph = _GRAPHS.get(store)
            if graph is None:
                graph = _first_graph(store)
                with _GRAPHS_LOCK:
                    _GRAPHS[store] = graph
                return graph
    with graph.lock:
        graph.sync(store)
        graph._follow_merges()
    return graph


def _first_graph(store: Store) -> LinkGraph:
    """This process's first graph of the store: the one an earlier process kept
    (link_state.py) caught up to the head, else read from `cases`."""
    from .link_state import restore_graph

    restored = restore_graph(store, default_near_dup_settings())
    if restored is not None:
        install_text_groups(store, restored.text)  # the groups its keys are filed under
        return restored
    graph = LinkGraph(text_groups(store, synced=False))
    with graph.lock:
        graph.sync(store)
        graph._follow_merges()
    return graph


def keep_graph(store: Store, graph: LinkGraph) -> None:
    """Save the graph for the next process if it moved (callers hold `graph.lock`)."""
    from .link_state import save_graph

    save_graph(store, graph)


def built_graph(store: Store) -> LinkGraph | None:
    """The store's link graph brought up to date if this process has read it, else None
    (reading it costs a pass over `cases`; one case's links need not pay that)."""
    with _GRAPHS_LOCK:
        graph = _GRAPHS.get(store)
    if graph is None:
        return None
    with graph.lock:
        graph.sync(store)
        graph._follow_merges()
    return graph
