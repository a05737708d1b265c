"""The link graph kept beside the store's index files, for the next process.

Why: a fresh `appeals networks` at 100k decisions spent ~1 s reading every
`case_links` record into the graph (services/link_graph.py) and ~1.3 s decoding
the `cases` and `decisions` tables for each case's status and standing action,
every time: 2.8-3.9 s against a budget of 2 s. The graph a process built is
saved (`Store.save_derived`: a checked file under `index/` on the embedded
store, nothing on PostgreSQL) with the chain position it is valid for (event
seq and that event's hash); the next process restores it and catches up from
`store.events(seq)` exactly as a graph held in memory does. Restored only when
that catch-up works: the file's chain position must be on the store's chain
(its hash the next event's `prev_hash`, or the head's) and every change since
expressible by adding; a file of another build of this code or of other
near-duplicate settings, a damaged or malformed one, or one whose counts then
disagree with the store is ignored and the graph rebuilt from the records.

Kept: each case's account, text key and contacts; the accounts' union-find;
the text groups (texts, their union-find, sketch buckets: groups depend on the
order texts joined them, so they are kept, not recomputed); the facts read so
far (status, standing action). The rest is derived on load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..domain.near_duplicates import NearDupSettings
from ..store.protocol import Store
from ..store.sidecar import fingerprint
from . import link_graph as lg
from . import text_groups as tg

__all__ = ["NAME", "save_graph", "restore_graph"]

#: the file's name under the store's index files (`derived.link-graph`)
NAME = "link-graph"
_FORMAT = 1
_LINKS = "case_links"


def _code(settings: NearDupSettings) -> str:
    """Another build of what fills the graph, or other settings: another state."""
    return fingerprint(
        lg.LinkGraph._add,
        lg.LinkGraph._add_one,
        lg.LinkGraph._follow_merges,
        lg.LinkGraph.load_facts,
        tg.TextGroups._add,
        tg.TextGroups._file,
        tg.TextGroups._join,
        tg.read_texts,
        extra=f"{_FORMAT}:{settings!r}",
    )


def save_graph(store: Store, graph: lg.LinkGraph) -> None:
    """Keep the graph (callers hold `graph.lock`) if it moved since the kept copy."""
    if graph.seq < 0 or (graph.seq == graph.saved_seq and not graph.facts_changed):
        return
    text = graph.text
    with text.lock:
        state = {
            "format": _FORMAT,
            "code": _code(text.settings),
            "seq": graph.seq,
            "hash": graph.hash,
            "links": store.count(_LINKS),
            "cases": list(graph.account_of),
            "accounts": list(graph.account_of.values()),
            "keys": [graph.key_of.get(c) for c in graph.account_of],
            "contacts": {c: list(v) for c, v in graph.contacts_of.items() if v},
            "account_parent": {a: p for a, p in graph.accounts.parent.items() if a != p},
            "account_size": {a: n for a, n in graph.accounts.size.items() if n != 1},
            "texts": list(text.texts.items()),
            "text_parent": [[k, p] for k, p in text.uf.parent.items() if k != p],
            "text_size": [[k, n] for k, n in text.uf.size.items() if n != 1],
            "members": [[r, keys] for r, keys in text.members.items() if len(keys) != 1],
            "by_hash": [[h, list(bucket.items())] for h, bucket in text.by_hash.items()],
            "common": sorted(text.common),
            "status": graph.status_of,
            "action": graph.action_of,
            "decision_of": graph.case_of_decision,
        }
        if state["links"] != len(graph.account_of):
            return  # the table moved since the graph's position: keep the older copy
        payload = orjson.dumps(state)
    store.save_derived(NAME, payload)
    graph.saved_seq, graph.facts_changed = graph.seq, False


def restore_graph(store: Store, settings: NearDupSettings) -> lg.LinkGraph | None:
    """The kept graph brought to the store's head, or None (none kept, not valid for
    this store's chain or this build, or not expressible by catching up)."""
    payload = store.load_derived(NAME)
    if payload is None:
        return None
    try:
        state = orjson.loads(payload)
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            return None
        if state.get("code") != _code(settings):
            return None
        graph = _graph(state, settings)
    except (orjson.JSONDecodeError, TypeError, ValueError, KeyError, AttributeError):
        return None  # malformed: not what save_graph writes
    if not graph.catch_up(store) or len(graph.account_of) != store.count(_LINKS):
        return None
    graph._follow_merges()
    return graph


def _graph(state: Mapping[str, Any], settings: NearDupSettings) -> lg.LinkGraph:
    text = _text_groups(state, settings)
    graph = lg.LinkGraph(text)
    cases = _strs(state["cases"])
    accounts = _strs(state["accounts"])
    keys = list(state["keys"])
    if not len(cases) == len(accounts) == len(keys) or len(set(cases)) != len(cases):
        raise ValueError("misaligned cases")
    graph.account_of = dict(zip(cases, accounts, strict=True))
    key_of = graph.key_of = {c: _int(k) for c, k in zip(cases, keys, strict=True) if k is not None}
    if any(k not in text.texts for k in set(key_of.values())):
        raise ValueError("a text key without its text")
    for case, found in dict(state["contacts"]).items():
        if case not in graph.account_of:
            raise ValueError("contacts of an unknown case")
        graph.contacts_of[case] = tuple(_strs(found))
    cases_of = graph.cases_of
    for case, account in graph.account_of.items():
        held = cases_of.get(account)
        if held is None:
            cases_of[account] = {case}
        else:
            held.add(case)
    for case, key in key_of.items():
        graph.by_key.setdefault(key, set()).add(case)
    for key, held in graph.by_key.items():
        root = text.root(key)
        graph.group_cases.setdefault(root, set()).update(held)
        graph.group_accounts.setdefault(root, set()).update(map(graph.account_of.__getitem__, held))
    for case, contacts in graph.contacts_of.items():
        for contact in contacts:
            graph.by_contact.setdefault(contact, set()).add(case)
            graph.accounts_by_contact.setdefault(contact, set()).add(graph.account_of[case])
    parent = graph.accounts.parent = {a: a for a in cases_of}
    for account, up in dict(state["account_parent"]).items():
        if account not in parent or up not in parent:
            raise ValueError("an account the cases do not hold")
        parent[account] = up
    size = graph.accounts.size = {a: 1 for a, up in parent.items() if a == up}
    for account, n in dict(state["account_size"]).items():
        if account not in size:
            raise ValueError("a size for an account that is not a root")
        size[account] = _int(n)
    if sum(size.values()) != len(parent):
        raise ValueError("account sizes do not add up")
    graph.status_of = {str(c): str(s) for c, s in dict(state["status"]).items()}
    graph.action_of = {
        str(c): None if a is None else str(a) for c, a in dict(state["action"]).items()
    }
    graph.case_of_decision = {str(d): str(c) for d, c in dict(state["decision_of"]).items()}
    graph.merges_seen = len(text.merges)
    graph.seq, graph.hash = _int(state["seq"]), str(state["hash"])
    graph.saved_seq = graph.seq
    return graph


def _text_groups(state: Mapping[str, Any], settings: NearDupSettings) -> tg.TextGroups:
    text = tg.TextGroups(settings)
    text.texts = {_int(k): str(t) for k, t in state["texts"]}
    parent = text.uf.parent = {k: k for k in text.texts}
    for key, up in state["text_parent"]:
        if key not in parent or up not in parent:
            raise ValueError("a text key the texts do not hold")
        parent[key] = up
    roots = [k for k, up in parent.items() if k == up]
    size = text.uf.size = dict.fromkeys(roots, 1)
    members: dict[int, list[int]] = {k: [k] for k in roots}
    for key, n in state["text_size"]:
        if key not in size:
            raise ValueError("a size for a text that is not a root")
        size[key] = _int(n)
    for root, keys in state["members"]:
        if root not in members:
            raise ValueError("members of a text that is not a root")
        members[root] = [_int(k) for k in keys]
    if sum(map(len, members.values())) != len(parent) or sum(size.values()) != len(parent):
        raise ValueError("text groups do not add up")
    text.members = members
    text.by_hash = {
        _int(h): {_int(r): _int(k) for r, k in bucket} for h, bucket in state["by_hash"]
    }
    text.common = {_int(h) for h in state["common"]}
    text.seq = _int(state["seq"])
    return text


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("not an integer")
    return value


def _strs(values: Any) -> list[str]:
    out = list(values)
    if not all(type(v) is str for v in out):
        raise TypeError("not strings")
    return out
