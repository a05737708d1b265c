"""DiskMap: sorted byte keys -> lists of unsigned ints, read in place from a saved blob.

Why: a saved index or key map that had to be parsed whole before its first use
cost ~0.5 s per index at 100k decisions (orjson building 100k lists); a command
wants one bucket. Here keys are sorted and found by binary search over offset
arrays viewed straight from the bytes (`memoryview.cast`), so opening costs
nothing and a lookup decodes one key's numbers.

Layout: count n (8 bytes) | key offsets (n+1 x u64) | value offsets (n+1 x u64)
| keys blob | values blob (u32 each).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = ["DiskMap", "encode_map"]


def encode_map(items: Iterable[tuple[bytes, Sequence[int]]]) -> bytes:
    """Encode (key, numbers) pairs; keys must be distinct (sorted here)."""
    rows = sorted(items, key=lambda kv: kv[0])
    key_off, val_off = array("Q", [0]), array("Q", [0])
    keys, vals = bytearray(), array("I")
    for key, nums in rows:
        keys += key
        key_off.append(len(keys))
        vals.extend(nums)
        val_off.append(len(vals))
    n = array("Q", [len(rows)])
    return n.tobytes() + key_off.tobytes() + val_off.tobytes() + bytes(keys) + vals.tobytes()


class DiskMap:
    """Read-only view of an `encode_map` blob."""

    __slots__ = ("n", "key_off", "val_off", "keys", "vals")

    def __init__(self, blob: bytes | memoryview) -> None:
        view = memoryview(blob)
        self.n = n = int(view[:8].cast("Q")[0])
        a = 8
        b = a + 8 * (n + 1)
        c = b + 8 * (n + 1)
        self.key_off = view[a:b].cast("Q")
        self.val_off = view[b:c].cast("Q")
        d = c + self.key_off[n]
        self.keys = view[c:d]
        self.vals = view[d:].cast("I")
        if len(self.vals) != self.val_off[n]:
            raise ValueError("damaged map")

    def __len__(self) -> int:
        return self.n

    def key(self, i: int) -> bytes:
        return bytes(self.keys[self.key_off[i] : self.key_off[i + 1]])

    def find(self, key: bytes) -> int:
        """Position of `key`, or -1."""
        lo = self.bisect(key)
        return lo if lo < self.n and self.key(lo) == key else -1

    def bisect(self, key: bytes, lo: int = 0) -> int:
        """The first position from `lo` whose key is not below `key` (n if none)."""
        hi = self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.key(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def merged(self, added: Mapping[bytes, Sequence[int]]) -> bytes:
        """`encode_map` of this map with `added`'s numbers after each key's own (new keys
        in their place): runs of untouched keys are copied as slices, not decoded one by
        one (the events' index of a 100k workspace has ~250k keys; an import adds few)."""
        ko, vo = self.key_off, self.val_off
        keys: list[bytes] = []
        vals: list[bytes] = []
        new_ko, new_vo = array("Q", [0]), array("Q", [0])
        at = 0

        def run(lo: int, hi: int) -> None:
            if lo >= hi:
                return
            kd, vd = new_ko[-1] - ko[lo], new_vo[-1] - vo[lo]
            new_ko.extend(x + kd for x in ko[lo + 1 : hi + 1])
            new_vo.extend(x + vd for x in vo[lo + 1 : hi + 1])
            keys.append(bytes(self.keys[ko[lo] : ko[hi]]))
            vals.append(self.vals[vo[lo] : vo[hi]].tobytes())

        find = self.bisect
        if len(added) * 16 > self.n:  # many: every key once beats a search per key
            blob, every = bytes(self.keys), self.key_off
            names = [blob[every[i] : every[i + 1]] for i in range(self.n)]

            def find(key: bytes, lo: int = 0) -> int:
                return bisect_left(names, key, lo)

        for key in sorted(added):
            i = find(key, at)
            run(at, i)
            nums = list(added[key])
            at = i
            if i < self.n and self.key(i) == key:
                nums = [*self.values_at(i), *nums]
                at = i + 1
            keys.append(key)
            new_ko.append(new_ko[-1] + len(key))
            vals.append(array("I", nums).tobytes())
            new_vo.append(new_vo[-1] + len(nums))
        run(at, self.n)
        n = array("Q", [len(new_ko) - 1])
        return n.tobytes() + new_ko.tobytes() + new_vo.tobytes() + b"".join(keys + vals)

    def values_at(self, i: int) -> Sequence[int]:
        return self.vals[self.val_off[i] : self.val_off[i + 1]]

    def get(self, key: bytes) -> Sequence[int] | None:
        i = self.find(key)
        return None if i < 0 else self.values_at(i)

    def items(self) -> Iterator[tuple[bytes, Sequence[int]]]:
        for i in range(self.n):
            yield self.key(i), self.values_at(i)
