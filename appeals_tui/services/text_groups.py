"""Near-duplicate groups of a workspace's distinct texts (one per store, in memory).

Why: the same caption or comic reposted with small edits links the accounts that
posted it. Texts are grouped with a union-find over their keys (`case_links.text_key`):
a new text is compared (rapidfuzz, `domain.near_duplicates.similar`) with at most
`NearDupSettings.compare` earlier texts, one per group among the groups sharing its
sketch hashes, most shared first. Comparing it with every candidate instead was
quadratic on a workspace of templated texts (150k cases: 177 s, 2.1 GB of pairs).
Groups only grow; every join is logged (`merges`) so holders of per-group data
(services/link_graph.py) can follow.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

from ..domain.case_links import case_text
from ..domain.near_duplicates import NearDupSettings, similar, sketch
from ..store.protocol import Filter, Op, Page, Store
from ..store.shipped import default_near_dup_settings

__all__ = ["Union", "TextGroups", "text_groups"]

LINKS = "case_links"


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
        self.by_hash: dict[int, list[int]] = {}  # sketch hash -> one key per group
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
            for key in fresh:
                one = store.query(LINKS, [Filter("text_key", Op.EQ, key)], page=Page(limit=1))
                if one.rows:
                    holders[key] = one.rows[0]["case_id"]
            self.add(read_texts(store, holders))
            self.seq = head

    def _add(self, key: int, norm: str) -> None:
        self.texts[key] = norm
        self.uf.find(key)
        self.members[key] = [key]
        cap = self.settings.common_cap
        shared: dict[int, list[int]] = {}
        for h in sketch(norm, self.settings):
            if h in self.common:
                continue
            bucket = self.by_hash.setdefault(h, [])
            newest: dict[int, int] = {}
            for other in bucket:  # one key per group is enough to find the group
                newest[self.uf.find(other)] = other
            for root, other in newest.items():
                shared.setdefault(root, []).append(other)
            bucket[:] = [*newest.values(), key]
            if len(bucket) > cap:
                self.common.add(h)
                del self.by_hash[h]
        budget = self.settings.compare
        for _, others in sorted(shared.items(), key=lambda kv: -len(kv[1])):
            for other in dict.fromkeys(others):
                if budget <= 0 or self.uf.find(other) == self.uf.find(key):
                    break
                budget -= 1
                if similar(norm, self.texts[other], self.settings):
                    self._join(key, other)
                    break

    def _join(self, a: int, b: int) -> None:
        merged = self.uf.union(a, b)
        if merged is not None:
            kept, gone = merged
            self.members[kept].extend(self.members.pop(gone))
            self.merges.append((kept, gone))


def read_texts(store: Store, holders: Mapping[int, str]) -> dict[int, str]:
    """text key -> normalised text, read from one case holding each key."""
    by_case = {
        c["case_id"]: case_text(c) for c in store.get_many("cases", sorted(set(holders.values())))
    }
    return {key: by_case.get(case_id, "") for key, case_id in holders.items()}


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
