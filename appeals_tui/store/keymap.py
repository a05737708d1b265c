"""KeyMap: a table's key <-> record number <-> line offset, in memory or read in place.

Why: every `get` of a table still on disk needs the line of its key. Scanning
the table's lines for their keys cost ~0.4 s per 100k records in each fresh
process; saved (see sidecar.py) and viewed in place, the map opens at once and
answers a key by binary search.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import pairwise

from appeals_tui.store.diskmap import DiskMap, encode_map

__all__ = ["KeyMap"]

_BULK = 4096  # binary searches before a map read in place becomes a dict


class KeyMap:
    """`get(key)` -> record number, `name(i)` -> key, `starts[i]` -> line offset."""

    __slots__ = ("starts", "_dict", "_names", "_disk", "_name_off", "_blob", "_probes")

    def __init__(self, starts: Sequence[int]) -> None:
        self.starts = starts  # record number -> line offset, plus the section's end
        self._dict: dict[str, int] | None = None
        self._names: list[str] | None = None
        self._disk: DiskMap | None = None
        self._name_off: Sequence[int] = ()
        self._blob: memoryview | None = None
        self._probes = 0  # binary searches so far on a map read in place

    @classmethod
    def from_scan(cls, names: list[str], keys: dict[str, int], starts: array[int]) -> KeyMap:
        km = cls(starts)
        km._names, km._dict = names, keys
        return km

    def __len__(self) -> int:
        return len(self.starts) - 1

    def get(self, key: str) -> int | None:
        if self._dict is not None:
            return self._dict.get(key)
        self._probes += 1
        if self._probes > self._bulk():
            return self._as_dict().get(key)
        assert self._disk is not None
        nums = self._disk.get(key.encode("utf-8", "surrogatepass"))
        return nums[0] if nums else None

    def _bulk(self) -> int:
        """Binary searches on a map read in place before it becomes a dict."""
        return max(_BULK, len(self) // 16)

    def expect(self, lookups: int) -> None:
        """`lookups` gets are coming at once (a `get_many`): if they would turn the map
        into a dict on the way, turn it now and spare the binary searches before that
        (the TUI's first case at 100k asked ~4,000 keys, ~3,200 of them searched first)."""
        if self._dict is None and self._probes + lookups > self._bulk():
            self._as_dict()

    def _as_dict(self) -> dict[str, int]:
        """Once a process has looked up many keys (an export reading every case), one
        dict of every key costs less than the binary searches to come (~20 µs each in
        Python; the dict is ~1 µs a key to build). The keys' list is kept too: `name`
        then answers from it (the indexes' record numbers -> keys)."""
        if self._dict is None:
            self._names = self._all_names()
            self._dict = dict(zip(self._names, range(len(self)), strict=True))
        return self._dict

    def _all_names(self) -> list[str]:
        """Every key in record order. Read in place, the keys are one run of bytes:
        all ASCII (our ids), it is decoded once and sliced, about a third of the cost
        of decoding each key (a TUI's first case built this dict at 100k cases: it
        waited ~0.15-0.2 s for it)."""
        if self._names is not None:
            return self._names
        assert self._blob is not None
        spans = pairwise(list(self._name_off))
        raw = bytes(self._blob)
        if raw.isascii():
            text = raw.decode("ascii")
            return [text[a:b] for a, b in spans]
        return [raw[a:b].decode("utf-8", "surrogatepass") for a, b in spans]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def name(self, i: int) -> str:
        if self._names is not None:
            return self._names[i]
        assert self._blob is not None
        off = self._name_off
        return bytes(self._blob[off[i] : off[i + 1]]).decode("utf-8", "surrogatepass")

    # -- saved form ---------------------------------------------------------------------

    def dump(self) -> bytes:
        assert self._names is not None and self._dict is not None
        n = len(self._names)
        encoded = [k.encode("utf-8", "surrogatepass") for k in self._names]
        name_off = array("Q", [0])
        for raw in encoded:
            name_off.append(name_off[-1] + len(raw))
        starts = array("Q", self.starts)
        head = array("Q", [n])
        disk = encode_map((raw, (i,)) for i, raw in enumerate(encoded))
        return head.tobytes() + starts.tobytes() + name_off.tobytes() + b"".join(encoded) + disk

    @staticmethod
    def moved(payload: bytes, shift: int) -> bytes:
        """A saved map for the same records `shift` bytes further on (a compaction
        copied the table's section as it was)."""
        n = int.from_bytes(payload[:8], "little")
        end = 8 + 8 * (n + 1)
        starts = array("Q", memoryview(payload)[8:end].cast("Q"))
        moved = array("Q", (s + shift for s in starts))
        return payload[:8] + moved.tobytes() + payload[end:]

    @staticmethod
    def grown(payload: bytes, shift: int, names: list[str], sizes: Sequence[int]) -> bytes:
        """A saved map for the same records `shift` bytes further on followed by records
        `names` (line sizes `sizes`, newline included): a staged import appended them.
        Built from the saved bytes (arrays extended, the key index merged), not by
        decoding every key (a 100k table: 0.3 s against ~20 ms)."""
        view = memoryview(payload)
        n = int(view[:8].cast("Q")[0])
        a = 8
        b = a + 8 * (n + 1)
        c = b + 8 * (n + 1)
        name_off = view[b:c].cast("Q")
        d = c + name_off[n]
        starts = array("Q", (s + shift for s in view[a:b].cast("Q")))
        at = starts[n]
        for size in sizes:
            at += size
            starts.append(at)
        encoded = [k.encode("utf-8", "surrogatepass") for k in names]
        offsets = array("Q", name_off)
        pos = name_off[n]
        for raw in encoded:
            pos += len(raw)
            offsets.append(pos)
        body = DiskMap(view[d:]).merged({raw: (n + j,) for j, raw in enumerate(encoded)})
        head = array("Q", [n + len(names)])
        return b"".join(
            [head.tobytes(), starts.tobytes(), offsets.tobytes(), view[c:d], *encoded, body]
        )

    @classmethod
    def load(cls, payload: bytes | memoryview) -> KeyMap:
        view = memoryview(payload)
        n = int(view[:8].cast("Q")[0])
        a = 8
        b = a + 8 * (n + 1)
        c = b + 8 * (n + 1)
        starts = view[a:b].cast("Q")
        name_off = view[b:c].cast("Q")
        d = c + name_off[n]
        km = cls(starts)
        km._name_off, km._blob = name_off, view[c:d]
        km._disk = DiskMap(bytes(view[d:]))
        if len(km._disk) != n:
            raise ValueError("damaged key map")
        return km
