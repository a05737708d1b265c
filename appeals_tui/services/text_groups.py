"""Near-duplicate groups of a workspace's distinct texts (one per store, in memory).

Why: the same caption or comic reposted with small edits links the accounts that
posted it. Texts are grouped with a union-find over their keys (`cases.text_key`):
a new text is compared (rapidfuzz, `domain.near_duplicates.similar`) with at most
`NearDupSettings.compare` earlier texts, one per group, found among the newest keys
filed under its sketch hashes (most shared first); buckets hold about one key per
group, so templated texts that all share a shingle still find their group. Comparing it with every candidate instead was
quadratic on a workspace of templated texts (150k cases: 177 s, 2.1 GB of pairs).
Groups only grow; every join is logged (`merges`) so holders of per-group data
(services/link_graph.py) can follow.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from ..domain.case_links import case_text
from ..domain.near_duplicates import NearDupSettings, similar, sketch
from ..store.protocol import Doc, Store
from ..store.shipped import default_near_dup_settings

__all__ = ["Union", "TextGroups", "text_groups", "install_text_groups"]

#: where each case's text key is (`cases.text_key`)
LINKS = "cases"
#: keys read per sketch bucket when looking for a new text's candidates (newest first)
_SCAN = 16
#: past this many texts to read, one pass over `cases` beats reading them one by one
_BULK = 5000


class Union:
    """Union-find over hashable items (accounts, text keys), with component sizes."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}
        self.size: dict[Any, int] = {}

    def find(self, item: Any) -> Any:
        parent = self.parent
        if item not in parent:
            parent[item] = item
            self.size[item] = 1
            return item
        root = item
        while root != parent[root]:
            root = parent[root]
        while item != root:
            parent[item], item = root, parent[item]
        return root

    def union(self, a: Any, b: Any) -> tuple[Any, Any] | None:
        """Join a's and b's components: (kept root, merged root), None if already one."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size.pop(rb)
        return ra, rb


class TextGroups:
    """Distinct texts (key -> normalised text) and their near-duplicate groups."""

    def __init__(self, settings: NearDupSettings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.seq = -1
        self.uf = Union()
        self.texts: dict[int, str] = {}
        self.members: dict[int, list[int]] = {}  # group root -> its keys
        self.by_hash: dict[int, dict[int, int]] = {}  # sketch hash -> {group root: key}
        self.common: set[int] = set()  # hashes shared by more than common_cap groups
        self.merges: list[tuple[int, int]] = []  # (kept root, merged root), in order

    def root(self, key: int) -> int:
        root: int = self.uf.find(key)
        return root

    def group(self, key: int) -> list[int]:
        """The keys of the texts near-duplicate with `key`'s (itself included)."""
        return self.members.get(self.root(key), [key])

    def add(self, texts: Mapping[int, str]) -> None:
        """Register new distinct texts (key -> normalised text), joining their groups."""
        with self.lock:
            for key, norm in texts.items():
                if key not in self.texts:
                    self._add(key, norm)

    def sync(self, store: Store) -> None:
        """Register the texts the store has and these groups do not (new imports)."""
        head = store.head().seq
        with self.lock:
            if head == self.seq:
                return
            fresh = [k for k in store.distinct(LINKS, "text_key") if k not in self.texts]
            holders: dict[int, str] = {}
            texts: dict[str, str] = {}
            if len(fresh) > _BULK:  # one pass beats a query per text
                wanted = set(fresh)
                for doc in store.iterate(LINKS):
                    found = doc.get("text_key")
                    if isinstance(found, int) and found in wanted and found not in holders:
                        holders[found] = doc["case_id"]
                        texts[doc["case_id"]] = case_text(doc)
            elif fresh:  # each text's first holder, all in one question (a query each
                # also counted every holder: 35 texts at 1M cases cost ~1 s of a case's
                # first open on PostgreSQL); only its case id (index-only there)
                firsts = store.firsts(
                    LINKS, ["text_key"], [(k,) for k in fresh], 1, fields=["case_id"]
                )
                for key, first in zip(fresh, firsts, strict=True):
                    if first:
                        holders[key] = first[0]["case_id"]
            self.add(read_texts(store, holders, texts))
            self.seq = head

    def _add(self, key: int, norm: str) -> None:
        self.texts[key] = norm
        self.uf.find(key)
        self.members[key] = [key]
        settings = self.settings
        find = self.uf.find
        hashes = [h for h in sketch(norm, settings) if h not in self.common]
        # candidates: the newest keys of each bucket (one per group, see _file)
        seen: Counter[int] = Counter()
        for h in hashes:
            bucket = self.by_hash.get(h)
            if bucket:
                seen.update(islice(reversed(bucket.values()), _SCAN))
        budget, tried, mine = settings.compare, set(), key
        for other, _ in seen.most_common(_SCAN * 2):
            root = find(other)
            if root == mine or root in tried:
                continue
            tried.add(root)
            if similar(norm, self.texts[other], settings):
                self._join(key, other)
                mine = find(key)
            budget -= 1
            if budget <= 0:
                break
        for h in hashes:
            self._file(h, key)

    def _file(self, h: int, key: int) -> None:
        """Put `key` in the bucket of sketch hash `h`: a dict keyed by group root (as it
        was when filed), so a bucket holds about one key per group; past twice `common_cap`
        entries it is tidied (roots found again), and if it still has more than
        `common_cap` groups the hash is too common to say anything and is dropped."""
        bucket = self.by_hash.setdefault(h, {})
        root = self.uf.find(key)
        bucket.pop(root, None)
        bucket[root] = key
        if len(bucket) > 2 * self.settings.common_cap:  # tidied at most every cap keys
            tidy: dict[int, int] = {}
            for other in bucket.values():
                group = self.uf.find(other)
                tidy.pop(group, None)
                tidy[group] = other
            if len(tidy) > self.settings.common_cap:
                self.common.add(h)
                del self.by_hash[h]
            else:
                self.by_hash[h] = tidy

    def _join(self, a: int, b: int) -> None:
        merged = self.uf.union(a, b)
        if merged is not None:
            kept, gone = merged
            self.members[kept].extend(self.members.pop(gone))
            self.merges.append((kept, gone))


def read_texts(
    store: Store, holders: Mapping[int, str], known: Mapping[str, str] | None = None
) -> dict[int, str]:
    """text key -> normalised text, read from one case holding each key (or taken
    from `known`: case -> its text, for cases the caller has read already)."""
    known = known or {}
    wanted = set(holders.values()).difference(known)
    if not wanted:
        cases: Iterable[Doc] = ()
    elif len(wanted) > _BULK:
        cases = (c for c in store.iterate("cases") if c["case_id"] in wanted)
    else:
        cases = store.get_many("cases", sorted(wanted))
    by_case = {**known, **{c["case_id"]: case_text(c) for c in cases}}
    # in the order the texts arrived (their first case's), whoever reads them: groups
    # depend on the order texts join them, and every process must find the same ones
    ordered = sorted(holders.items(), key=lambda kv: (len(kv[1]), kv[1]))
    return {key: by_case.get(case_id, "") for key, case_id in ordered}


_GROUPS: weakref.WeakKeyDictionary[Store, TextGroups] = weakref.WeakKeyDictionary()
_GROUPS_LOCK = threading.Lock()


def text_groups(store: Store, *, synced: bool = True) -> TextGroups:
    """The store's text groups (brought up to date with its distinct texts unless
    `synced=False`: the link graph adds the texts it reads itself)."""
    with _GROUPS_LOCK:
        groups = _GROUPS.get(store)
        if groups is None:
            groups = _GROUPS[store] = TextGroups(default_near_dup_settings())
    if synced:
        groups.sync(store)
    return groups


def install_text_groups(store: Store, groups: TextGroups) -> None:
    """Make `groups` the store's text groups (a link graph restored with its own:
    link_state.py); holders of the previous object keep a consistent, older copy."""
    with _GROUPS_LOCK:
        _GROUPS[store] = groups
