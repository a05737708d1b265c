"""LazyTable: a table of a format-2 snapshot that stays on disk until it is used.

Why: decoding the whole state at open cost ~2 s and, with the raw line, twice the
state's size in memory. A table's records are `[key, doc]` lines in one byte range
of the snapshot; a single `get` decodes one line (through a key -> line offset map
built by a scan that parses no JSON), and anything that needs the whole table
(`all`, `search`, an index) decodes it once into a plain dict (`materialize`),
after which the replica uses that dict. Writes to a table still on disk are kept
here (`docs` wins over disk); `count` checks which of them are new keys.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.journal import bulk, decode_line, encode_line, read_range
from appeals_tui.store.keymap import KeyMap
from appeals_tui.store.share import Sharer
from appeals_tui.store.sidecar import SidecarDir

__all__ = ["LazyTable", "record_chunks", "line_chunks", "line_blocks"]

Doc = dict[str, Any]
_CHUNK = 1 << 20  # 1 MiB: a decode holds ~4 copies of a chunk at once
_SCAN = 512  # records read at a time by `scan`
_GAP = 16 << 10  # `get_many` reads over gaps this small rather than issue another read


def line_chunks(file: BinaryIO, start: int, end: int) -> Iterator[tuple[int, list[bytes]]]:
    """(offset of the first line, complete lines without newlines) for [start, end).

    An unterminated tail is left out (a torn line)."""
    for pos, data in line_blocks(file, start, end):
        yield pos, data.split(b"\n")


def line_blocks(file: BinaryIO, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """(offset of the first line, complete lines joined by newlines, no last newline).

    A line longer than a chunk (format 1's state) is gathered in parts, not by
    repeated concatenation."""
    fd, pos = file.fileno(), start
    rest: list[bytes] = []
    rest_len = 0
    while pos < end:
        chunk = read_range(fd, pos, min(pos + _CHUNK, end))
        if not chunk:
            break
        pos += len(chunk)
        cut = chunk.rfind(b"\n")
        if cut < 0:
            rest.append(chunk)
            rest_len += len(chunk)
            continue
        head = chunk[:cut]
        yield pos - len(chunk) - rest_len, b"".join([*rest, head]) if rest else head
        rest = [chunk[cut + 1 :]]
        rest_len = len(rest[0])


def record_chunks(docs: dict[str, Doc]) -> Iterator[bytes]:
    """A table's records as snapshot lines, in ~4 MiB chunks."""
    batch: list[bytes] = []
    size = 0
    for key, doc in docs.items():
        line = encode_line([key, doc])
        batch.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


def _key_at(data: bytes, at: int, nl: int) -> str | None:
    """The key of the `<crc> ["key",{...}]` line data[at:nl] (None: unusual)."""
    if data[at + 9 : at + 11] != b'["':
        return None
    end = data.find(b'"', at + 11, nl)
    if end < 0:
        return None
    raw = data[at + 11 : end]
    if b"\\" in raw:
        return None
    return raw.decode()


def _key_of(line: bytes) -> str | None:
    """The key of a `<crc> ["key",{...}]` line without parsing the doc (None: unusual)."""
    if line[9:11] != b'["':
        return None
    end = line.find(b'"', 11)
    raw = line[11:end]
    if end < 0 or b"\\" in raw:
        return None
    return raw.decode()


class LazyTable:
    """Records of one table in a snapshot's byte range, decoded on demand."""

    def __init__(
        self,
        file: BinaryIO,
        name: str,
        section: list[int],
        sidecar: SidecarDir | None = None,
    ) -> None:
        self.file, self.name = file, name
        self.disk_count, self.first_line, self.start, self.end = section
        self.docs: dict[str, Doc] = {}  # decoded, or written since the snapshot
        self.dirty: set[str] = set()
        self.keys: KeyMap | None = None  # key <-> record number <-> line offset
        self.added: dict[str, int] = {}  # keys written here -> order first written
        self.sidecar = sidecar

    def count(self) -> int:
        if not self.dirty:
            return self.disk_count
        on_disk = self._index()
        return self.disk_count + sum(1 for key in self.dirty if key not in on_disk)

    def _damaged(self, i: int, exc: Exception) -> StoreError:
        return StoreError(
            f"{Path(self.file.name)}: line {self.first_line + i} is damaged ({exc}); "
            "refusing to continue without it. Run `appeals verify` and restore this "
            "file from a backup."
        )

    def _decode(self, line: bytes | memoryview, i: int) -> tuple[str, Doc]:
        try:
            key, doc = decode_line(line)
            if not isinstance(key, str) or not isinstance(doc, dict):
                raise ValueError("not a [key, doc] record")
        except ValueError as exc:
            raise self._damaged(i, exc) from None
        return key, doc

    def _index(self) -> KeyMap:
        """The key -> record number map: from the sidecar file if an earlier process
        saved it for this snapshot, else by a scan (which then saves it)."""
        if self.keys is None and not self._load_keys():
            self._scan_keys()
            if self.sidecar is not None and self.keys is not None:
                self.sidecar.save(f"keys.{self.name}", self.keys.dump())
        assert self.keys is not None
        return self.keys

    def saved_keys(self) -> bool:
        """Open the saved key map if there is one (no scan); whether `keys` is set."""
        return self.keys is not None or self._load_keys()

    def _load_keys(self) -> bool:
        saved = self.sidecar.load(f"keys.{self.name}") if self.sidecar else None
        if saved is None:
            return False
        try:
            keys = KeyMap.load(saved[1])
        except (ValueError, TypeError, IndexError):
            return False
        if len(keys) != self.disk_count or keys.starts[self.disk_count] != self.end:
            return False
        self.keys = keys
        return True

    def _scan_keys(self) -> None:
        """Each line's key is cut from the chunk in place: splitting a chunk into line
        objects left the kept keys scattered over freed memory (~8 MB more RSS for
        38k strikes than the map itself)."""
        if self.keys is None:
            keys: dict[str, int] = {}
            names: list[str] = []
            starts = array("Q")
            i = 0
            for base, data in line_blocks(self.file, self.start, self.end):
                at, size = 0, len(data)
                while at < size:
                    nl = data.find(b"\n", at)
                    if nl < 0:
                        nl = size
                    key = _key_at(data, at, nl)
                    if key is None:
                        key = self._decode(data[at:nl], i)[0]
                    keys[key] = i
                    names.append(key)
                    starts.append(base + at)
                    at = nl + 1
                    i += 1
            starts.append(self.end)
            if i != self.disk_count:
                raise self._damaged(i, ValueError(f"{self.disk_count} records listed, {i} found"))
            self.keys = KeyMap.from_scan(names, keys, starts)

    def recno(self, key: str) -> int | None:
        """The record number of `key` on disk, if its disk record is current."""
        if key in self.dirty:
            return None
        return self._index().get(key)

    def key_names(self) -> KeyMap:
        """Record number -> key (`.name(i)`), for indexes saved as record numbers."""
        return self._index()

    def scan(self, reverse: bool = False) -> Iterator[tuple[str, Doc]]:
        """Every (key, current doc) in table order (or reversed), decoded as it goes and
        not kept: a listing of the whole table streams in constant memory."""
        docs, dirty = self.docs, self.dirty
        on_disk = self._index()
        new = [k for k in docs if k in dirty and k not in on_disk]
        if reverse:
            for key in reversed(new):
                yield key, docs[key]
        else:
            yield from self._disk_scan(docs, dirty, reverse)
            for key in new:
                yield key, docs[key]
            return
        yield from self._disk_scan(docs, dirty, reverse)

    def _disk_scan(
        self, docs: dict[str, Doc], dirty: set[str], reverse: bool
    ) -> Iterator[tuple[str, Doc]]:
        keys = self._index()
        starts, fd, n = keys.starts, self.file.fileno(), self.disk_count
        blocks = range(n, 0, -_SCAN) if reverse else range(0, n, _SCAN)
        for edge in blocks:
            lo, hi = (max(0, edge - _SCAN), edge) if reverse else (edge, min(n, edge + _SCAN))
            data = read_range(fd, starts[lo], starts[hi])
            lines = data.split(b"\n")
            span = range(hi - 1, lo - 1, -1) if reverse else range(lo, hi)
            with bulk():
                for i in span:
                    key = keys.name(i)
                    if key in dirty:
                        yield key, docs[key]
                    else:
                        yield key, self._decode(lines[i - lo], i)[1]

    def position(self, key: str) -> int:
        """Where `key` stands in insertion order: its record number on disk, else after
        every disk record, in the order keys were first seen here."""
        n = self._index().get(key)
        if n is not None:
            return n
        return self.disk_count + self.added.setdefault(key, len(self.added))

    def peek(self, key: str) -> Doc | None:
        """Like `get`, without keeping the decoded doc (a listing of the whole table)."""
        doc = self.docs.get(key)
        if doc is not None:
            return doc
        keys = self._index()
        i = keys.get(key)
        if i is None:
            return None
        line = read_range(self.file.fileno(), keys.starts[i], keys.starts[i + 1] - 1)
        return self._decode(line, i)[1]

    def get(self, key: str) -> Doc | None:
        doc = self.docs.get(key)
        if doc is not None:
            return doc
        keys = self._index()
        i = keys.get(key)
        if i is None:
            return None
        starts = keys.starts
        line = read_range(self.file.fileno(), starts[i], starts[i + 1] - 1)
        doc = self.docs[key] = self._decode(line, i)[1]
        return doc

    def get_many(self, keys: Iterable[str], keep: bool = False) -> list[Doc]:
        """The current docs of `keys` that exist, in the order asked: records on disk
        are read in file order, records close together in one read (an export of 100k
        decisions read their 240k cases and reports one `pread` each, and kept them all
        decoded). What is decoded is kept (like `get`) only with `keep`."""
        asked = list(keys)
        docs, index = self.docs, self._index()
        found: dict[str, Doc] = {}
        on_disk: list[str] = []
        for key in asked:
            doc = docs.get(key)
            if doc is not None:
                found[key] = doc
            else:
                on_disk.append(key)
        index.expect(len(on_disk))
        wanted = [(i, key) for key in on_disk if (i := index.get(key)) is not None]
        wanted.sort()
        starts, fd = index.starts, self.file.fileno()
        at = 0
        with bulk():
            while at < len(wanted):
                stop = at + 1  # one read for records less than _GAP apart
                while (
                    stop < len(wanted)
                    and starts[wanted[stop][0]] - starts[wanted[stop - 1][0] + 1] < _GAP
                    and starts[wanted[stop][0]] - starts[wanted[at][0]] < _CHUNK
                ):
                    stop += 1
                base = starts[wanted[at][0]]
                data = memoryview(read_range(fd, base, starts[wanted[stop - 1][0] + 1]))
                for i, key in wanted[at:stop]:
                    line = data[starts[i] - base : starts[i + 1] - base - 1]
                    found[key] = doc = self._decode(line, i)[1]
                    if keep:
                        docs[key] = doc
                at = stop
        return [doc for key in asked if (doc := found.get(key)) is not None]

    def put(self, key: str, doc: Doc) -> None:
        """Replays of the journal land here: no scan of the table (count() does that)."""
        self.docs[key] = doc
        self.dirty.add(key)
        self.added.setdefault(key, len(self.added))  # first-put order (see `position`)

    def materialize(self) -> dict[str, Doc]:
        """Every record as one dict in table order (disk order, then new keys).

        Equal small values of different records are shared (see `Sharer`)."""
        out: dict[str, Doc] = {}
        cached, i, share = self.docs, 0, Sharer().doc
        with bulk():
            for _, lines in line_chunks(self.file, self.start, self.end):
                for line in lines:
                    key, doc = self._decode(line, i)
                    kept = cached.get(key)
                    if kept is None:
                        doc = share(doc)
                        ident = next(iter(doc.values()), None)  # "case_id": the key again
                        out[ident if ident == key else key] = doc
                    else:
                        out[key] = kept
                    i += 1
            if i != self.disk_count:
                raise self._damaged(i, ValueError(f"{self.disk_count} records listed, {i} found"))
            for key, doc in cached.items():
                if key not in out:
                    out[key] = doc
        return out

    def chunks(self) -> Iterator[bytes]:
        """This table's lines for a new snapshot: raw copies except what was written."""
        if not self.dirty:
            fd, pos = self.file.fileno(), self.start
            while pos < self.end:
                chunk = read_range(fd, pos, min(pos + _CHUNK, self.end))
                if not chunk:
                    return
                pos += len(chunk)
                yield chunk
            return
        docs, on_disk = self.docs, self._index()
        i = 0
        for _, lines in line_chunks(self.file, self.start, self.end):
            out = []
            for line in lines:
                key = _key_of(line) or self._decode(line, i)[0]
                out.append(encode_line([key, docs[key]]) if key in self.dirty else line + b"\n")
                i += 1
            yield b"".join(out)
        yield b"".join(
            encode_line([k, d]) for k, d in docs.items() if k in self.dirty and k not in on_disk
        )
