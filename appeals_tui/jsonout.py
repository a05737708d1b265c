"""Machine-readable CLI output: orjson straight from service rows, streamed, pipe-safe.

Why: `json.dumps(indent=2)` of a 100k-row list held the rows, the string and
its encoding at once (1.3 GB at 100k decisions) and printed nothing until all
of it was ready. A list is written as one JSON array with one row per line
(`[{...},` / `{...},` / `{...}]`), each row encoded as it comes, so
`| head -1` gets the first row as soon as it exists and the rows need never
be held together. A reader that stops early (`| head`) closes the pipe: we
stop writing and exit quietly instead of printing a BrokenPipeError.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, cast

import orjson

from .domain.models import Record

__all__ = ["write_json", "write_json_rows", "ReaderGone"]

# dataclasses go through `_default` (below), so a read model that documents its own
# JSON shape (`to_json()`) is written in that shape wherever it appears
_OPTS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
_FLUSH_EVERY = 64 << 10  # bytes buffered before a write: ~a screenful of rows at 100k


class ReaderGone(Exception):
    """The process reading our stdout closed it (e.g. `| head`): stop quietly."""


def _stdout() -> BinaryIO:
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a text-only stream (some test runners): encode ourselves
        # write() and flush() are all we use of the binary stream
        return cast(BinaryIO, _TextAdapter(out))
    out.flush()  # text already written through the wrapper goes first
    return cast(BinaryIO, buffer)


class _TextAdapter:
    def __init__(self, out: Any) -> None:
        self.out = out

    def write(self, data: bytes) -> None:
        self.out.write(data.decode("utf-8"))

    def flush(self) -> None:
        self.out.flush()


def _default(value: Any) -> Any:
    """The one serialiser of the services' read models (docs/cli.md lists the fields):
    a model's `to_json()` if it has one, else its `to_dict()`, else its dataclass
    fields; anything else orjson does not know (sets, paths) as a list or a string."""
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _CONVERTERS[type(value)] = _converter(type(value))
    return convert(value)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


def _converter(kind: type) -> Callable[[Any], Any]:
    """How values of `kind` are written, decided once per type (the history streams 100k
    decisions through here: looking it up per row tripled the cost of a row)."""
    if callable(getattr(kind, "to_json", None)):
        return lambda value: value.to_json()
    if dataclasses.is_dataclass(kind):
        to_dict = getattr(kind, "to_dict", None)
        if callable(to_dict) and to_dict is not Record.to_dict:
            return lambda value: value.to_dict()  # the model documents its own shape
        names = tuple(f.name for f in dataclasses.fields(kind))
        params = getattr(kind, "__dataclass_params__", None)
        if params is not None and params.frozen and not hasattr(kind, "__slots__"):
            # a frozen record's instance dict holds exactly its fields; orjson walks
            # the values (and comes back here for nested models)
            return _instance_dict
        return lambda value: {name: getattr(value, name) for name in names}
    if issubclass(kind, (set, frozenset, tuple)):
        return list
    return str


def _instance_dict(value: Any) -> dict[str, Any]:
    return cast(dict[str, Any], vars(value))


def encode(payload: Any, *, indent: bool = False) -> bytes:
    """One JSON document; control characters escaped, text as UTF-8 (not \\u escapes)."""
    opts = _OPTS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(payload, default=_default, option=opts)


def _guard(out: BinaryIO, data: bytes) -> None:
    try:
        out.write(data)
        out.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise ReaderGone from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def write_json(payload: Any) -> None:
    """One object (indented: it is small and a person may read it)."""
    _guard(_stdout(), encode(payload, indent=True) + b"\n")


def write_json_rows(rows: Iterable[Any]) -> int:
    """A JSON array, one row per line, written as the rows arrive; returns the count."""
    out = _stdout()
    buf: list[bytes] = []
    size = count = 0
    for row in rows:
        line = (b"[" if count == 0 else b",\n") + encode(row)
        buf.append(line)
        size += len(line)
        count += 1
        if count == 1 or size >= _FLUSH_EVERY:  # the first row at once: `| head -1`
            _guard(out, b"".join(buf))
            buf, size = [], 0
    buf.append(b"]\n" if count else b"[]\n")
    _guard(out, b"".join(buf))
    return count
