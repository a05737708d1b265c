"""Sidecar files: what one process derived from a snapshot, kept for the next process.

Why: a fresh `appeals` process used to rebuild, from the whole snapshot, every
structure it touched: the key -> line map of each table (a scan of every line),
each secondary index (a decode of the whole table) and the audit events'
entity index (a scan of every event), seconds at 100k decisions, on every
command. They depend only on the snapshot's bytes, which never change once
written, so the first process that builds one saves it under `index/` tagged
with the snapshot it came from; later processes load it in milliseconds and
apply the journal on top. A compaction carries them over to the new snapshot
(`Replica.compact`) and removes those of older snapshots.

They are caches, never the record: a file that is missing, damaged, of another
snapshot or of another build of the key function is ignored and rebuilt, so
nothing here can change what a read returns. Written by temp file + rename, so
concurrent writers of the same file are harmless (the contents are equal). Read
only as a regular file opened without following a symlink: a link planted in
`index/` (to /dev/zero, a FIFO, another workspace's file) is ignored, not read.

Services may keep their own derived state here too (`derived.*`, see
`Workspace.load_derived`): carried over as they are, since they name the chain
position they are valid for and their reader checks it.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zlib
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tinydb.queries import QueryInstance

from appeals_tui.store.files import temp_file

__all__ = ["DIR", "DERIVED", "SidecarDir", "fingerprint"]

DIR = "index"
#: prefix of the files services save through `Workspace.save_derived`
DERIVED = "derived."
_MAGIC = b"appeals-sidecar 1\n"
_HEADER_MAX = 64 * 1024  # a header line is a small JSON object


def fingerprint(*funcs: Callable[..., Any] | None, extra: str = "") -> str:
    """A short hash of the functions' code and simple closure values: an index saved
    by another version of its key function is not reused."""
    h = hashlib.blake2b(digest_size=6)
    h.update(extra.encode())
    for func in funcs:
        if func is None:
            h.update(b"-")
            continue
        code = getattr(func, "__code__", None)
        if code is None:
            h.update(repr(func).encode())
            continue
        h.update(getattr(func, "__qualname__", "").encode())
        _code(h, code)
        bound = getattr(func, "__self__", None)  # a declared field's `value` method
        if bound is not None:
            h.update(_stable_repr(bound))
        for cell in getattr(func, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            h.update(_stable_repr(value))
    return h.hexdigest()


def _stable_repr(value: Any) -> bytes:
    """Declarations (frozen dataclasses, tuples of them, strings) by their repr; an
    object whose repr holds an address (a lambda in a closure) only by its type: the
    code that reads it is hashed anyway."""
    text = _canonical(value)
    return (type(value).__qualname__ if " at 0x" in text else text).encode()


def _canonical(value: Any) -> str:
    """`repr` with sets in sorted order (a set's repr follows string hashing, which
    changes per process: a compiled query's frozenset of parts gave the precedent
    ranking another fingerprint in every other process, so each rebuilt it); a
    compiled TinyDB query by its hash value."""
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, tuple | list):
        return type(value).__name__ + "(" + ", ".join(_canonical(v) for v in value) + ")"
    if isinstance(value, QueryInstance):
        return "Query" + _canonical(value._hash)
    return repr(value)


def _code(h: Any, code: Any) -> None:
    """Bytecode, names and constants; nested code by content (its repr has an address)."""
    h.update(code.co_code)
    h.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            _code(h, const)
        else:
            h.update(repr(const).encode())


def _open_regular(path: Path) -> tuple[BinaryIO, int] | None:
    """`path` opened for reading, and its size, if it is a regular file (not followed
    if a symlink; a FIFO or device is never read: it could block or never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb"), st.st_size


def _read_regular(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file (see `_open_regular`)."""
    opened = _open_regular(path)
    if opened is None:
        return None
    fh, size = opened
    try:
        with fh:
            return fh.read(size)
    except OSError:
        return None


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


class SidecarDir:
    """The sidecar files of one snapshot (`tag` names the snapshot's contents)."""

    def __init__(self, workspace: Path, tag: str) -> None:
        self.dir = Path(workspace) / DIR
        self.tag = tag

    def _path(self, name: str) -> Path:
        return self.dir / f"{_safe(self.tag)}.{_safe(name)}"

    def load(self, name: str) -> tuple[dict[str, Any], memoryview] | None:
        """(header, payload) of a valid file for this snapshot, else None."""
        data = _read_regular(self._path(name))
        if data is None or not data.startswith(_MAGIC):
            return None
        nl = data.find(b"\n", len(_MAGIC))
        try:
            header = orjson.loads(data[len(_MAGIC) : nl])
        except orjson.JSONDecodeError:
            return None
        payload = memoryview(data)[nl + 1 :]
        if (
            not isinstance(header, dict)
            or header.get("tag") != self.tag
            or header.get("name") != name
            or header.get("size") != len(payload)
            or header.get("crc") != zlib.crc32(payload)
        ):
            return None
        return header, payload  # a view of the file's bytes: not copied again

    def exists(self, name: str) -> bool:
        """Whether this snapshot has a file `name` (`load` still checks it whole)."""
        return self._path(name).is_file()

    def save(self, name: str, payload: bytes, **info: Any) -> None:
        """Write atomically; a failure (read-only folder, full disk) only costs a rebuild."""
        header = {
            "tag": self.tag,
            "name": name,
            "size": len(payload),
            "crc": zlib.crc32(payload),
            **info,
        }
        path = self._path(name)
        tmp: Path | None = None
        try:
            if not self.dir.is_dir():  # private like the workspace (0700, or a team's 2770)
                self.dir.mkdir(mode=0o700)
                os.chmod(self.dir, stat.S_IMODE(os.stat(self.dir.parent).st_mode))
            fd, tmp = temp_file(self.dir, path.name)  # O_EXCL, the folder's file mode
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + orjson.dumps(header) + b"\n")
                fh.write(payload)
            os.replace(tmp, path)
        except OSError:
            if tmp is not None:
                with suppress(OSError):
                    tmp.unlink()

    def headers(self) -> list[dict[str, Any]]:
        """The headers of this snapshot's valid files (what a compaction carries over)."""
        prefix = _safe(self.tag) + "."
        try:
            files = [p.name[len(prefix) :] for p in self.dir.iterdir() if p.name.startswith(prefix)]
        except OSError:
            return []
        out = []
        for safe in files:
            if safe.endswith(".tmp"):
                continue
            opened = _open_regular(self.dir / (prefix + safe))
            if opened is None:
                continue
            try:
                with opened[0] as fh:
                    first = fh.readline(len(_MAGIC))
                    line = fh.readline(_HEADER_MAX)
            except OSError:
                continue
            if first != _MAGIC:
                continue
            try:
                header = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(header, dict) and _safe(str(header.get("name"))) == safe:
                out.append(header)
        return out

    def prune(self) -> None:
        """Remove the files of other snapshots (after a compaction replaced them)."""
        prefix = _safe(self.tag) + "."
        try:
            entries = list(self.dir.iterdir())
        except OSError:
            return
        for p in entries:
            if not p.name.startswith(prefix):
                try:
                    p.unlink()
                except OSError:
                    pass
