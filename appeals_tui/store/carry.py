"""Carry the sidecar files of a snapshot over to the one a compaction just wrote.

Why: without this, the first process after every compaction would rebuild each
key map and index from the whole snapshot again (seconds at 100k decisions).
A compaction keeps every table's records in the same order (disk order, then
keys added since), so what a saved file says about old records stays true:
 - an index's record numbers stay valid; the keys written since the old
   snapshot join its `pending` list and are filed again by whoever loads it;
 - the key map of a table copied byte for byte only moves by the distance its
   section moved; a table with changes is left to be rescanned;
 - the events' entity index gains the journal's events at the end;
 - a service's derived state (`derived.*`) is copied as it is: it names the
   chain position it is valid for, and its reader catches up from there.
Anything unexpected just leaves the file behind (it is a cache; see sidecar.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from appeals_tui.store import journal as jf
from appeals_tui.store.index import Index
from appeals_tui.store.keymap import KeyMap
from appeals_tui.store.lazy import LazyTable
from appeals_tui.store.sidecar import DERIVED, SidecarDir

__all__ = ["carry_sidecars"]

Doc = dict[str, Any]


def carry_sidecars(
    old: jf.Snapshot,
    new: jf.Snapshot,
    old_lazy: Mapping[str, LazyTable],
    changed: Mapping[str, Mapping[str, None]],
    jevents: list[Doc],
    appended: Mapping[str, tuple[list[str], Sequence[int]]] | None = None,
) -> None:
    """`appended`: table -> keys and line sizes of records a staged import wrote after
    the table's copied lines (their key maps grow instead of being rescanned)."""
    src, dst = old.sidecar, new.sidecar
    if src is None or dst is None or src.tag == dst.tag:
        return
    for header in src.headers():
        name = str(header.get("name"))
        try:
            if name.startswith("ix."):
                _index(src, dst, name, str(header.get("table")), changed)
            elif name.startswith("keys."):
                _keys(src, dst, name, name[len("keys.") :], old, new, old_lazy, appended or {})
            elif name == "events":
                _events(src, dst, old, new, jevents)
            elif name.startswith(DERIVED):
                _as_is(src, dst, name)
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            continue


def _index(
    src: SidecarDir,
    dst: SidecarDir,
    name: str,
    table: str,
    changed: Mapping[str, Mapping[str, None]],
) -> None:
    found = src.load(name)
    if found is None:
        return
    carried = Index.carry(bytes(found[1]), changed.get(table, {}))
    if carried is not None:  # else too stale to carry: `save_indexes` builds it afresh
        dst.save(name, carried, table=table)


def _as_is(src: SidecarDir, dst: SidecarDir, name: str) -> None:
    found = src.load(name)
    if found is not None:
        dst.save(name, bytes(found[1]))


def _keys(
    src: SidecarDir,
    dst: SidecarDir,
    name: str,
    table: str,
    old: jf.Snapshot,
    new: jf.Snapshot,
    old_lazy: Mapping[str, LazyTable],
    appended: Mapping[str, tuple[list[str], Sequence[int]]],
) -> None:
    lazy = old_lazy.get(table)
    was, now = old.sections.get(table), new.sections.get(table)
    names, sizes = appended.get(table, ([], ()))
    if lazy is None or lazy.dirty or was is None or now is None or was[0] + len(names) != now[0]:
        return  # decoded or changed: the new snapshot's lines moved; rescan when needed
    if now[3] - now[2] != was[3] - was[2] + sum(sizes):
        return
    found = src.load(name)
    if found is None:
        return
    shift = now[2] - was[2]
    if names:
        dst.save(name, KeyMap.grown(bytes(found[1]), shift, names, sizes))
    else:
        dst.save(name, KeyMap.moved(bytes(found[1]), shift))


def _events(
    src: SidecarDir, dst: SidecarDir, old: jf.Snapshot, new: jf.Snapshot, jevents: list[Doc]
) -> None:
    found = src.load("events")
    if found is None:
        return
    index, starts = jf.decode_entities(found[1])
    shift = new.events_offset - old.events_offset
    moved = array("Q", (s + shift for s in starts))
    added: dict[bytes, list[int]] = {}
    for ev in jevents:
        if ev["seq"] != len(moved):
            return  # not the next event: leave it to a rescan
        entity = str(ev.get("entity", "")).encode("utf-8", "surrogatepass")
        added.setdefault(entity, []).append(ev["seq"])
        moved.append(moved[-1] + len(jf.encode_line(ev)))
    if len(moved) != new.header["events"] + 1 or index.disk is None:
        return
    body = index.disk.merged(added)
    dst.save("events", len(moved).to_bytes(8, "little") + moved.tobytes() + body)
