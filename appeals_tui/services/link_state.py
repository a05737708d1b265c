"""The link graph kept beside the store's index files, for the next process.

Why: a fresh `appeals networks` at 100k decisions spent ~1 s reading every
case's contacts and text key into the graph (services/link_graph.py) and ~1.3 s decoding
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

import hashlib
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

import orjson

from ..domain import near_duplicates
from ..domain.near_duplicates import NearDupSettings
from ..store.protocol import Store
from . import link_graph as lg
from . import text_groups as tg

__all__ = ["NAME", "save_graph", "restore_graph"]

#: the file's name under the store's index files (`derived.link-graph`)
NAME = "link-graph"
_FORMAT = 5
_LINKS = lg.LINKS


def _code(settings: NearDupSettings) -> str:
    """Another build of what fills the graph, or other settings: another state."""
    return f"{_FORMAT}:{_sources()}:{settings!r}"


@cache
def _sources() -> str:
    """A digest of the modules whose code decides what the graph holds."""
    digest = hashlib.blake2b(digest_size=8)
    for module in (lg, tg, sys.modules[__name__], near_duplicates):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def save_graph(store: Store, graph: lg.LinkGraph) -> None:
    """Keep the graph (callers hold `graph.lock`) if it moved since the kept copy.

    Cases and accounts are written once and named by their position elsewhere, so the
    reader builds each set in one C-level pass (`set(map(cases.__getitem__, ...))`)."""
    if graph.seq < 0 or (graph.seq == graph.saved_seq and not graph.facts_changed):
        return
    if store.location is None:
        return  # a server database keeps no files (and its count is a query)
    if store.count(_LINKS) != len(graph.account_of):
        return  # the table moved past the graph's position: keep the older copy
    text = graph.text
    cases = list(graph.account_of)
    at = {c: i for i, c in enumerate(cases)}
    accounts = list(graph.cases_of)
    who = {a: i for i, a in enumerate(accounts)}

    def case_ix(held: Iterable[str]) -> list[int]:
        return sorted(map(at.__getitem__, held))

    def account_ix(held: Iterable[str]) -> list[int]:
        return sorted(map(who.__getitem__, held))

    statuses = sorted(set(graph.status_of.values()))
    actions = sorted({a for a in graph.action_of.values() if a is not None})
    status_at = {name: i for i, name in enumerate(statuses)}
    action_at = {name: i for i, name in enumerate(actions)}
    with text.lock:
        text_at = {k: i for i, k in enumerate(text.texts)}
        state = {
            "format": _FORMAT,
            "code": _code(text.settings),
            "seq": graph.seq,
            "hash": graph.hash,
            "cases": cases,
            "accounts": accounts,
            "case_account": [who[a] for a in graph.account_of.values()],
            # each account's cases, one run after another (`account_ends`: where each ends)
            "account_cases": [i for a in accounts for i in case_ix(graph.cases_of[a])],
            "account_ends": list(accumulate(len(graph.cases_of[a]) for a in accounts)),
            # text keys (63-bit) by their position in "texts"
            "keys": [None if (k := graph.key_of.get(c)) is None else text_at[k] for c in cases],
            "key_cases": [[k, case_ix(held)] for k, held in graph.by_key.items()],
            "group_accounts": [[r, account_ix(held)] for r, held in graph.group_accounts.items()],
            "case_contacts": [[at[c], list(v)] for c, v in graph.contacts_of.items() if v],
            "contact_cases": [[c, case_ix(held)] for c, held in graph.by_contact.items()],
            "contact_accounts": [
                [c, account_ix(held)] for c, held in graph.accounts_by_contact.items()
            ],
            # the accounts' union-find: parents other than themselves, sizes other than 1
            "parent_of": [who[a] for a, p in graph.accounts.parent.items() if a != p],
            "parent": [who[p] for a, p in graph.accounts.parent.items() if a != p],
            "size_of": [who[a] for a, n in graph.accounts.size.items() if n != 1],
            "size": [n for n in graph.accounts.size.values() if n != 1],
            "texts": list(text.texts.items()),
            "text_parent": [[k, p] for k, p in text.uf.parent.items() if k != p],
            "text_size": [[k, n] for k, n in text.uf.size.items() if n != 1],
            "members": [[r, keys] for r, keys in text.members.items() if len(keys) != 1],
            "by_hash": [[h, list(bucket.items())] for h, bucket in text.by_hash.items()],
            "common": sorted(text.common),
            # facts aligned with "cases", by their position in the names lists (status
            # None: not read yet; action None: no standing decision)
            "status_names": statuses,
            "action_names": actions,
            "status": [_code_of(graph.status_of, c, status_at) for c in cases],
            "action": [_code_of(graph.action_of, c, action_at) for c in cases],
        }
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
    except (orjson.JSONDecodeError, TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None  # malformed: not what save_graph writes
    if not graph.catch_up(store) or len(graph.account_of) != store.count(_LINKS):
        return None
    graph._follow_merges()
    return graph


def _graph(state: Mapping[str, Any], settings: NearDupSettings) -> lg.LinkGraph:
    """The graph `save_graph` wrote; raises (TypeError, ValueError, IndexError,
    KeyError) on anything it would not have written."""
    text = _text_groups(state, settings)
    graph = lg.LinkGraph(text)
    cases, accounts = _strs(state["cases"]), _strs(state["accounts"])
    n = len(cases)
    if len(set(cases)) != n or len(set(accounts)) != len(accounts):
        raise ValueError("repeated cases or accounts")
    case_of, account_of = cases.__getitem__, accounts.__getitem__
    owner = _ints(state["case_account"])
    keys = _ints(state["keys"], none=True)
    if len(owner) != n or len(keys) != n:
        raise ValueError("misaligned cases")
    graph.account_of = dict(zip(cases, map(account_of, owner), strict=True))
    runs, ends = _ints(state["account_cases"]), _ints(state["account_ends"])
    if len(runs) != n or len(ends) != len(accounts) or (ends and ends[-1] != n):
        raise ValueError("accounts do not hold every case once")
    graph.cases_of = {
        a: set(map(case_of, runs[start:end]))
        for a, start, end in zip(accounts, [0, *ends], ends, strict=False)
    }
    text_keys = list(text.texts)
    graph.key_of = {c: text_keys[k] for c, k in zip(cases, keys, strict=True) if k is not None}
    graph.by_key = {_int(k): set(map(case_of, _ints(held))) for k, held in state["key_cases"]}
    for key, held in graph.by_key.items():
        graph.group_cases.setdefault(text.root(key), set()).update(held)
    for root, held in state["group_accounts"]:
        if root not in graph.group_cases:
            raise ValueError("accounts of a text group without cases")
        graph.group_accounts[root] = set(map(account_of, _ints(held)))
    with_contacts = list(state["case_contacts"])
    named = _ints(i for i, _ in with_contacts)
    found = [tuple(contacts) for _, contacts in with_contacts]
    _strs(chain.from_iterable(found))
    graph.contacts_of = dict(zip(map(case_of, named), found, strict=True))
    graph.by_contact = {
        _str(c): set(map(case_of, _ints(held))) for c, held in state["contact_cases"]
    }
    graph.accounts_by_contact = {
        _str(c): set(map(account_of, _ints(held))) for c, held in state["contact_accounts"]
    }
    parent = graph.accounts.parent = dict(zip(accounts, accounts, strict=True))
    ups = map(account_of, _ints(state["parent"]))
    parent.update(zip(map(account_of, _ints(state["parent_of"])), ups, strict=True))
    size = graph.accounts.size = {a: 1 for a, up in parent.items() if a == up}
    sized = list(map(account_of, _ints(state["size_of"])))
    if not size.keys() >= set(sized):
        raise ValueError("a size for an account that is not a root")
    size.update(zip(sized, _ints(state["size"]), strict=True))
    if sum(size.values()) != len(parent):
        raise ValueError("account sizes do not add up")
    statuses, actions = _strs(state["status_names"]), _strs(state["action_names"])
    status, action = _ints(state["status"], none=True), _ints(state["action"], none=True)
    if not len(status) == len(action) == n:
        raise ValueError("misaligned facts")
    name_of: dict[int | None, str | None] = {None: None, **dict(enumerate(actions))}
    if None in status:  # some not read yet
        status_of = graph.status_of = {
            c: statuses[s] for c, s in zip(cases, status, strict=True) if s is not None
        }
        graph.action_of = {
            c: name_of[a] for c, a in zip(cases, action, strict=True) if c in status_of
        }
    else:  # all read (the usual: one pass over the tables read them all)
        graph.status_of = dict(zip(cases, map(statuses.__getitem__, status), strict=True))
        graph.action_of = dict(zip(cases, map(name_of.__getitem__, action), strict=True))
    graph.merges_seen = len(text.merges)
    graph.seq, graph.hash = _int(state["seq"]), _str(state["hash"])
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


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("not a string")
    return value


def _ints(values: Any, none: bool = False) -> list[Any]:
    """`values` as a list, if all positions (ints >= 0; or None, with `none`)."""
    out = list(values)
    if not set(map(type, out)) <= ({int, type(None)} if none else {int}):
        raise TypeError("not positions")
    if min(set(out) - {None} if none else out, default=0) < 0:
        raise ValueError("a negative position")
    return out


def _code_of(facts: Mapping[str, str | None], case: str, at: Mapping[str, int]) -> int | None:
    value = facts.get(case)
    return None if value is None else at[value]


def _strs(values: Any, none: bool = False) -> list[Any]:
    """`values` as a list, if all strings (or None, with `none`)."""
    out = list(values)
    if not set(map(type, out)) <= ({str, type(None)} if none else {str}):
        raise TypeError("not strings")
    return out
