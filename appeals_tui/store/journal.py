"""On-disk format: an append-only journal plus a snapshot, both line based.

Every line is `<crc32 as 8 hex> <orjson body>\\n`. The checksum lets us tell a
torn tail (crash mid-append: never acknowledged, safe to drop) from damage in
the middle (acknowledged data: we refuse to open rather than silently lose it).

snapshot.dat (format 2): line 1 header {"snapshot": 2, "generation", "events",
"last_hash", "tables": {name: [count, first line, start, end]}, "events_at"},
space-padded to the length reserved before the sections were written; line 2
{"meta"}; then each table's records, one `[key, doc]` line each, inside the byte
range the header names (decoded only when the table is used, see lazy.py); then
one audit event per line (read lazily). Format 1 (still read; rewritten as 2 by
the next compaction) had one line 2 {"tables", "meta"} holding the whole state.
journal.log: line 1 header {"journal", "generation"}, then one record per
transaction {"r", "actor", "ops", "events"}. A journal whose generation is older
than the snapshot's was already folded in by a compaction that crashed before
replacing it, and is ignored. Both files are replaced only via temp file,
fsync, rename, fsync(dir), so a crash leaves either the old or the new file.
"""

from __future__ import annotations

import os
import re
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from appeals_tui.domain.collector import collector_paused
from appeals_tui.domain.errors import StoreError
from appeals_tui.domain.progress import EVERY, Progress
from appeals_tui.store.diskmap import DiskMap, encode_map
from appeals_tui.store.files import fsync_dir, temp_file
from appeals_tui.store.sidecar import SidecarDir

__all__ = [
    "JOURNAL",
    "SNAPSHOT",
    "LOCK",
    "encode_line",
    "decode_line",
    "scan",
    "read_range",
    "append",
    "write_new_journal",
    "write_snapshot",
    "Snapshot",
    "open_snapshot",
    "bulk",
]

JOURNAL = "journal.log"
SNAPSHOT = "snapshot.dat"
LOCK = "workspace.lock"
_CHUNK = 1 << 20
#: an event line as make_event writes it: seq, at, actor, type, then entity
_ENTITY = re.compile(
    rb'\{"seq":(\d+),"at":"[^"\\]*","actor":"(?:[^"\\]|\\.)*","type":"(?:[^"\\]|\\.)*",'
    rb'"entity":"([^"\\]*)"'
)


#: pause the cyclic GC while decoding many small containers (about 3x faster loads)
bulk = collector_paused


def encode_line(obj: Any) -> bytes:
    body = orjson.dumps(obj)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def decode_line(line: bytes | memoryview) -> Any:
    """Parse one line (without its newline); ValueError says what is wrong.

    A memoryview avoids copying a large line (the snapshot's state) to slice it."""
    if len(line) < 10 or bytes(line[8:9]) != b" ":
        raise ValueError("malformed line")
    body = line[9:]
    try:
        crc = int(bytes(line[:8]), 16)
    except ValueError:
        raise ValueError("malformed checksum") from None
    if zlib.crc32(body) != crc:
        raise ValueError("checksum mismatch")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ValueError("unreadable JSON") from None


def scan(data: bytes, path: Path, first_lineno: int) -> tuple[list[Any], int]:
    """Decode complete lines; return (objects, bytes consumed).

    A trailing fragment without newline is a torn tail (an append a crash cut
    short, never acknowledged) and is left unconsumed. A complete line that fails
    its checksum was written whole, so it is damage wherever it sits: StoreError.
    """
    out: list[Any] = []
    pos, n, lineno = 0, len(data), first_lineno
    find = data.find
    while pos < n:
        nl = find(b"\n", pos)
        if nl < 0:
            break
        try:
            out.append(decode_line(data[pos:nl]))
        except ValueError as exc:
            last = " (the last one)" if nl + 1 >= n else ""
            raise StoreError(
                f"{path}: line {lineno}{last} is damaged ({exc}); refusing to open rather "
                "than drop it. Run `appeals verify` and restore this file from a backup."
            ) from None
        pos = nl + 1
        lineno += 1
    return out, pos


def read_range(fd: int, start: int, end: int) -> bytes:
    parts: list[bytes] = []
    while start < end:
        chunk = os.pread(fd, end - start, start)
        if not chunk:
            break
        parts.append(chunk)
        start += len(chunk)
    return b"".join(parts)


def append(fd: int, offset: int, data: bytes) -> None:
    """Write `data` at `offset` and fsync: the acknowledgement point."""
    done = 0
    while done < len(data):
        done += os.pwrite(fd, data[done:], offset + done)
    os.fsync(fd)


def _replace_atomically(directory: Path, name: str, chunks: Iterable[bytes]) -> None:
    fd, tmp = temp_file(directory, name)
    try:
        with open(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / name)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


def write_new_journal(directory: Path, generation: int) -> None:
    _replace_atomically(directory, JOURNAL, [encode_line({"journal": 1, "generation": generation})])


#: a placeholder wider than any offset or count, to reserve the header's length
_WIDE = 10**15


def _header_line(header: dict[str, Any], width: int = 0) -> bytes:
    """The header line, its body space-padded (valid JSON) to `width` bytes in all."""
    body = orjson.dumps(header)
    body += b" " * max(0, width - len(body) - 10)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def write_snapshot(
    directory: Path,
    header: dict[str, Any],
    meta: dict[str, Any],
    tables: Iterable[tuple[str, Iterable[bytes]]],
    events: Iterable[bytes],
    progress: Progress | None = None,
) -> None:
    """Format 2: `tables` yields (name, encoded record lines); `events` encoded lines.

    The header goes first but names the sections' byte ranges, so its length is
    reserved (with placeholder numbers) and it is written last, before the fsync.
    `progress(bytes, estimate, "compacting")` may raise to stop: the temp file is removed
    and the old snapshot stays.
    """
    estimate = sum(_size(directory / name) for name in (SNAPSHOT, JOURNAL))
    tables = [(name, chunks) for name, chunks in tables]
    wide = {name: [_WIDE] * 4 for name, _ in tables}
    width = len(_header_line({**header, "snapshot": 2, "tables": wide, "events_at": _WIDE}))
    fd, tmp = temp_file(directory, SNAPSHOT)
    try:
        _write_sections(fd, width, header, meta, tables, events, progress, estimate)
        os.replace(tmp, directory / SNAPSHOT)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _write_sections(
    fd: int,
    width: int,
    header: dict[str, Any],
    meta: dict[str, Any],
    tables: list[tuple[str, Iterable[bytes]]],
    events: Iterable[bytes],
    progress: Progress | None = None,
    estimate: int = 0,
) -> None:
    if progress:
        progress(0, estimate, "compacting")
    with open(fd, "wb") as fh:
        fh.write(b" " * (width - 1) + b"\n")
        fh.write(encode_line({"meta": meta}))
        sections: dict[str, list[int]] = {}
        lineno = 3
        for name, chunks in tables:
            start, count = fh.tell(), 0
            for chunk in chunks:
                count += chunk.count(b"\n")
                fh.write(chunk)
                if progress:
                    progress(fh.tell(), max(estimate, fh.tell()), "compacting")
            if count:
                sections[name] = [count, lineno, start, fh.tell()]
            lineno += count
        events_at = fh.tell()
        for n, chunk in enumerate(events):
            fh.write(chunk)
            if progress and n % EVERY == 0:
                progress(fh.tell(), max(estimate, fh.tell()), "compacting")
        full = {**header, "snapshot": 2, "tables": sections, "events_at": events_at}
        fh.seek(0)
        fh.write(_header_line(full, width))
        fh.flush()
        os.fsync(fh.fileno())
    if progress:  # the last point where stopping leaves the old snapshot in place
        progress(estimate, estimate, "compacting")


@dataclass
class EntityIndex:
    """entity -> seqs of its events: a dict when built here, else read in place."""

    entities: dict[str, Any] | None = None
    disk: DiskMap | None = None

    def seqs(self, entity: str) -> Sequence[int]:
        if self.entities is not None:
            have = self.entities.get(entity)
            return () if have is None else (have,) if isinstance(have, int) else have
        assert self.disk is not None
        return self.disk.get(entity.encode("utf-8", "surrogatepass")) or ()

    def items(self) -> Iterator[tuple[str, Sequence[int]]]:
        if self.entities is not None:
            for entity, have in self.entities.items():
                yield entity, (have,) if isinstance(have, int) else have
            return
        assert self.disk is not None
        for raw, seqs in self.disk.items():
            yield raw.decode("utf-8", "surrogatepass"), seqs


def encode_entities(entities: dict[str, Any] | EntityIndex, starts: Sequence[int]) -> bytes:
    """Saved form: the event line offsets, then entity -> seqs as a DiskMap."""
    index = entities if isinstance(entities, EntityIndex) else EntityIndex(entities=entities)
    offsets = array("Q", starts)
    body = encode_map(
        (entity.encode("utf-8", "surrogatepass"), seqs) for entity, seqs in index.items()
    )
    return len(offsets).to_bytes(8, "little") + offsets.tobytes() + body


def decode_entities(payload: bytes | memoryview) -> tuple[EntityIndex, Sequence[int]]:
    n = int.from_bytes(payload[:8], "little")
    end = 8 + 8 * n
    starts = memoryview(payload)[8:end].cast("Q")
    return EntityIndex(disk=DiskMap(payload[end:])), starts


@dataclass
class Snapshot:
    """An open snapshot: parsed header and state, events left on disk until asked for."""

    file: BinaryIO
    header: dict[str, Any]
    state: dict[str, Any]
    events_offset: int
    size: int
    ident: tuple[int, int]
    #: format 2: table -> [record count, first line number, start, end offset]
    sections: dict[str, list[int]] = field(default_factory=dict)
    _entities: EntityIndex | None = None
    _starts: Sequence[int] | None = None
    #: where derived structures of this snapshot are saved (see sidecar.py)
    sidecar: SidecarDir | None = None

    @property
    def tag(self) -> str:
        """Names this snapshot's contents: sidecar files made from it carry it."""
        h = self.header
        return (
            f"g{h.get('generation')}-e{h.get('events')}-{str(h.get('last_hash'))[:16]}-{self.size}"
        )

    def event_chunks(self) -> Iterator[bytes]:
        fd, pos = self.file.fileno(), self.events_offset
        while pos < self.size:
            chunk = read_range(fd, pos, min(pos + _CHUNK, self.size))
            if not chunk:
                return
            pos += len(chunk)
            yield chunk

    def events(self, since_seq: int = 0) -> list[dict[str, Any]]:
        """Events with seq > since_seq; event k sits on event line k."""
        total = self.header["events"]
        if since_seq >= total:
            return []
        if since_seq > 0 and (self._starts is not None or self._load_entities()):
            # the saved line offsets: read the tail asked for, not every event before it
            assert self._starts is not None
            data = read_range(self.file.fileno(), self._starts[since_seq], self.size)
            lines = data.split(b"\n")[: total - since_seq]
        else:
            data = read_range(self.file.fileno(), self.events_offset, self.size)
            lines = data.split(b"\n")[since_seq:total]
        out = []
        with bulk():
            for i, line in enumerate(lines, start=since_seq + 3):
                try:
                    out.append(decode_line(line))
                except ValueError as exc:
                    raise StoreError(f"{self.file.name}: line {i} is damaged ({exc})") from None
        return out

    def entity_index(self) -> tuple[EntityIndex, Sequence[int]]:
        """entity -> event seqs (`.seqs(entity)`), and each event line's offset.

        Saved beside the snapshot (sidecar.py) by the first process that needs it and
        read in place by the next; else built by scanning the event lines in chunks
        (the entity is read with a regex, falling back to a full parse for unusual
        lines), so a case's timeline is read by seq instead of decoding every event.
        """
        if self._entities is None and not self._load_entities():
            entities, starts = self._scan_entities()
            self._entities, self._starts = EntityIndex(entities=entities), starts
            if self.sidecar is not None:
                self.sidecar.save("events", encode_entities(entities, starts))
        assert self._entities is not None and self._starts is not None
        return self._entities, self._starts

    def _load_entities(self) -> bool:
        saved = self.sidecar.load("events") if self.sidecar else None
        if saved is None:
            return False
        try:
            index, starts = decode_entities(saved[1])
        except (ValueError, TypeError, IndexError):
            return False
        if len(starts) != self.header["events"] + 1 or starts[0] != self.events_offset:
            return False
        self._entities, self._starts = index, starts
        return True

    def _scan_entities(self) -> tuple[dict[str, Any], array[int]]:
        entities: dict[str, Any] = {}
        starts = array("Q", [self.events_offset])
        seq = 0
        for pos, line in self._event_lines():
            seq += 1
            m = _ENTITY.match(line, 9)
            if m is not None and int(m.group(1)) == seq:
                entity = m.group(2).decode()
            else:
                try:
                    entity = str(decode_line(line).get("entity", ""))
                except ValueError as exc:
                    raise StoreError(
                        f"{self.file.name}: line {seq + 2} is damaged ({exc})"
                    ) from None
            have = entities.get(entity)
            if have is None:
                entities[entity] = seq
            elif isinstance(have, int):
                entities[entity] = [have, seq]
            else:
                have.append(seq)
            starts.append(pos + len(line) + 1)
        return entities, starts

    def _event_lines(self) -> Iterator[tuple[int, bytes]]:
        """(file offset, line without newline) of each complete event line."""
        pos, rest = self.events_offset, b""
        for chunk in self.event_chunks():
            data = rest + chunk
            start, find = 0, data.find
            while (nl := find(b"\n", start)) >= 0:
                yield pos + start, data[start:nl]
                start = nl + 1
            pos += start
            rest = data[start:]

    def event_at(self, seq: int) -> dict[str, Any]:
        """Event `seq` of this snapshot, read from its own line."""
        _, starts = self.entity_index()
        start, end = starts[seq - 1], starts[seq]
        line = read_range(self.file.fileno(), start, end - 1)
        try:
            event: dict[str, Any] = decode_line(line)
            return event
        except ValueError as exc:
            raise StoreError(f"{self.file.name}: line {seq + 2} is damaged ({exc})") from None

    def close(self) -> None:
        self.file.close()


def _read_line(fh: BinaryIO) -> bytes:
    """One (possibly huge) line in big reads: readline() grows its buffer ~3x slower."""
    start, parts = fh.tell(), []
    while True:
        chunk = fh.read(_CHUNK * 16)
        if not chunk:
            break
        nl = chunk.find(b"\n")
        if nl >= 0:
            parts.append(chunk[: nl + 1])
            break
        parts.append(chunk)
    line = b"".join(parts) if len(parts) != 1 else parts[0]
    fh.seek(start + len(line))
    return line


def open_snapshot(path: Path, parse_state: bool = True) -> Snapshot:
    """Open and parse header and meta; format 1's whole state unless parse_state is off."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - kept open for lazy record and event reads
    except FileNotFoundError:
        raise StoreError(
            f"no workspace at {path.parent}; run `appeals init --admin NAME` first"
        ) from None
    try:
        st = os.fstat(fh.fileno())
        header = _parse(path, 1, fh.readline())
        version = header.get("snapshot")
        if version == 2:
            meta = _parse(path, 2, fh.readline()).get("meta", {})
            state, sections = {"tables": {}, "meta": meta}, header.get("tables", {})
            events_at = header["events_at"]
        elif version == 1:
            line = _read_line(fh)
            state = _parse(path, 2, line) if parse_state else {}
            sections, events_at = {}, fh.tell()
        else:
            raise StoreError(
                f"{path} has snapshot format {version}, newer than this program supports "
                "(2); upgrade appeals-tui"
            )
        ident = (st.st_dev, st.st_ino)
        if version == 2:
            _check_layout(path, fh, sections, events_at, st.st_size)
        return Snapshot(fh, header, state, events_at, st.st_size, ident, sections=sections)
    except BaseException:
        fh.close()
        raise


_LINE_START = re.compile(rb"[0-9a-f]{8} ")


def _check_layout(
    path: Path, fh: BinaryIO, sections: dict[str, list[int]], events_at: int, size: int
) -> None:
    """Every section the header names must start on a line of its own and end where
    the next begins: a record whose length was changed shifts everything after it,
    and the lazily read tables would otherwise serve cut or misplaced lines. Costs
    two small reads per table."""
    fd = fh.fileno()
    bounds = sorted((sec[2], sec[3], name) for name, sec in sections.items())
    bounds.append((events_at, size, "events"))
    expected = bounds[0][0]
    for start, end, name in bounds:
        ok = start == expected and start <= end <= size
        if ok and start < end:
            ok = read_range(fd, start - 1, start) == b"\n" and bool(
                _LINE_START.match(read_range(fd, start, start + 9))
            )
            ok = ok and read_range(fd, end - 1, end) == b"\n"
        if not ok:
            raise StoreError(
                f"{path}: the {name} section is not where the header says (a record "
                "changed length?); refusing to serve it. Run `appeals verify` and "
                "restore this file from a backup."
            )
        expected = end


def _parse(path: Path, lineno: int, line: bytes) -> dict[str, Any]:
    """One of the snapshot's leading lines (header, meta, format 1's state)."""
    try:
        if not line.endswith(b"\n"):
            raise ValueError("truncated")
        with bulk():  # format 1's state is one big line: parse it with the GC paused
            parsed: dict[str, Any] = decode_line(memoryview(line)[:-1])  # no copy of a huge line
            return parsed
    except ValueError as exc:
        raise StoreError(f"{path}: line {lineno} is damaged ({exc})") from None
