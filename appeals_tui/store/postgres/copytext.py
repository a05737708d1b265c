"""Records as lines of COPY text: what `to_row` + psycopg's `write_row` send, made cheaply.

Why: a staged import at 1M decisions spent ~40% of its client CPU turning each record
into a row dict (`to_row`), each value into a psycopg dumper call and each jsonb into
stdlib JSON (`write_row`): ~90 µs a report where the budget is 100 µs all in. Here a
table's columns are compiled once (`LineEncoder`) and a record becomes one str of COPY
text (tab-separated, backslash-escaped, `\\N` for NULL) with the same column values
`to_row` gives: the same NUL escaping (pgtext), the same `extra` (absent fields, values
kept verbatim, fields without a column), the same computed columns. Values whose text
form could differ from psycopg's (a big int in jsonb, a NaN, a lone surrogate, a
datetime inside a document) are not guessed at: `line` returns None and the caller
sends that record with psycopg's `write_row` of `to_row` as before.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import orjson

from appeals_tui.domain.timeutil import iso, parse_ts
from appeals_tui.store.postgres.columns import TableSpec, row_extra, to_row
from appeals_tui.store.postgres.pgtext import MARK, encode_json, encode_str
from appeals_tui.store.schema import Derive

__all__ = ["LineEncoder", "columns_of", "event_line", "event_middle", "verbatim"]

_MISSING = object()
#: characters COPY text needs escaped (the delimiter, line ends, the escape itself)
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
#: inside an array literal: the quote and the backslash, escaped for the array parser
_ARRAY_SPECIAL = re.compile(r'[\\"]')
_NULL = "\\N"
#: characters of text that pgtext.encode_str changes (NUL) or COPY escapes
_PLAIN_TEXT_NOT = re.compile("[\\\\\t\n\r\x00]")
#: orjson refuses what stdlib json would not write (datetimes, dataclasses): those fall back.
#: Subclasses of str and int (StrEnum: a case's status) are written by value by both, and
#: psycopg's str dumper sends a str subclass's value too.
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class _Fallback(Exception):
    """This record's text is left to psycopg (to_row + write_row)."""


def columns_of(spec: TableSpec) -> list[str]:
    """The COPY column list of a table, in the order `LineEncoder.line` writes them."""
    if spec.sql == "documents":
        return ["tbl", "key", "version", "extra"]
    cols = [spec.key, *(c.name for c in spec.columns), *(q.column for q in spec.computed)]
    return [*cols, "version", "extra"]


def _text(value: str) -> str:
    """A text value as pgtext.encode_str stores it, escaped for COPY."""
    if "\x00" in value or value.startswith(MARK):
        value = MARK + value.replace(MARK, MARK + MARK).replace("\x00", MARK + "0")
    return value.translate(_ESCAPES) if _SPECIAL.search(value) else value


def _verbatim(value: Any) -> str:
    """A str sent as it is (no NUL escaping: what psycopg would be given), escaped for COPY."""
    if type(value) is not str or "\x00" in value:
        raise _Fallback
    return value.translate(_ESCAPES) if _SPECIAL.search(value) else value


def verbatim(value: str) -> bytes:
    """`value` as a COPY line sends a text column psycopg is given as it is (the hashes
    of events); ValueError for what a line cannot say (a NUL, not a str)."""
    try:
        return _verbatim(value).encode()
    except (_Fallback, UnicodeEncodeError) as exc:
        raise ValueError(f"not sendable as COPY text: {value!r}") from exc


def _json(value: Any) -> str:
    """jsonb text of `value` as psycopg's Jsonb dumper (stdlib json) would store it."""
    value = _ready(value)
    try:
        out = orjson.dumps(value, option=_STRICT)
    except TypeError:  # a big int, a non-str key, a lone surrogate, …: stdlib's own text
        raise _Fallback from None
    if b"null" in out and _nonfinite(value):  # orjson writes null; stdlib NaN (refused)
        text = json.dumps(value)
    else:
        text = out.decode()
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def _plain_json(value: Any) -> str | None:
    """`_json(value)` of a plain record's value (no string in it holds a character COPY
    escapes or pgtext changes) made of exact str, int, bool, None, list and dict with
    text keys: then `_ready` would change nothing and no float can write null, so it is
    orjson's text as it is. None for anything else (a float, a subclass): `_json`."""
    return orjson.dumps(value).decode() if _exact(value) else None


def _exact(value: Any) -> bool:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-(2**63) <= value < 2**63)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not _exact(item):
                return False
        return True
    if kind is list:
        for item in value:
            if not _exact(item):
                return False
        return True
    return False


def _ready(value: Any) -> Any:
    """pgtext.encode_json(value) (strings made safe for jsonb, floats jsonb would change
    kept as text), by exact type first: a record's `extra` is a few small dicts."""
    kind = type(value)
    if kind is str:
        return encode_str(value) if "\x00" in value or value.startswith(MARK) else value
    if kind is dict:
        return {
            k if type(k) is str and "\x00" not in k and not k.startswith(MARK) else encode_str(k): (
                _ready(v)
            )
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [_ready(v) for v in value]
    if value is None or kind is int or kind is bool:
        return value
    return encode_json(value)  # floats, subclasses, anything else: the reference itself


def _nonfinite(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in `value` (None also writes null)."""
    kind = type(value)
    if kind is str or value is None or kind is int or kind is bool:  # most leaves, at once
        return False
    if kind is float:
        return not math.isfinite(value)
    if kind is dict or kind is list:
        for item in value.values() if kind is dict else value:
            if _nonfinite(item):
                return True
        return False
    if isinstance(value, dict):
        return any(_nonfinite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_nonfinite(v) for v in value)
    return isinstance(value, float) and not math.isfinite(value)


def _array(values: list[str]) -> str:
    """A text[] literal of strings (each quoted; NULs escaped as pgtext does)."""
    parts = []
    for v in values:
        if "\x00" in v or v.startswith(MARK):
            v = MARK + v.replace(MARK, MARK + MARK).replace("\x00", MARK + "0")
        if _ARRAY_SPECIAL.search(v):
            v = v.replace("\\", "\\\\").replace('"', '\\"')
        parts.append('"' + v + '"')
    text = "{" + ",".join(parts) + "}"
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


Encode = Callable[[Any], tuple[str, bool]]
_NONE = (_NULL, True)
_INEXACT = (_NULL, False)


def _enc_text(value: Any) -> tuple[str, bool]:
    return (_text(value), True) if isinstance(value, str) else _INEXACT


def _enc_int(value: Any) -> tuple[str, bool]:
    ok = type(value) is int and -(2**63) <= value < 2**63
    return (str(value), True) if ok else _INEXACT


def _enc_float(value: Any) -> tuple[str, bool]:
    if type(value) is float:
        return repr(value), True
    if type(value) is int:
        try:
            return repr(float(value)), False
        except OverflowError:
            return _INEXACT
    return _INEXACT


def _enc_bool(value: Any) -> tuple[str, bool]:
    if type(value) is bool:
        return ("t" if value else "f"), True
    return _INEXACT


#: timestamps seen lately -> their (text, exact): an import's records share a few
#: (its own time, each report's instant twice), and parsing is most of a timestamp's cost
_TS: dict[str, tuple[str, bool]] = {}
_TS_KEEP = 4096


def _enc_ts(value: Any) -> tuple[str, bool]:
    if type(value) is str:
        got = _TS.get(value)
        if got is not None:
            return got
    elif not isinstance(value, str):
        return _INEXACT
    try:
        moment = parse_ts(value)
    except ValueError:
        return _INEXACT
    got = (str(moment), iso(moment) == value)  # psycopg sends str(datetime)
    if type(value) is str:
        if len(_TS) >= _TS_KEEP:
            _TS.clear()
        _TS[value] = got
    return got


def _enc_array(value: Any) -> tuple[str, bool]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _array(value), True
    return _INEXACT


def _enc_json(value: Any) -> tuple[str, bool]:
    return _json(value), True


def _enc_unknown(value: Any) -> tuple[str, bool]:
    raise _Fallback  # a kind columns._enc does not know either: its error, as before


#: column kind -> (COPY text, exact) of a non-None value, as columns._enc + psycopg's dumpers
_ENCODE: dict[str, Encode] = {
    "text": _enc_text,
    "int": _enc_int,
    "float": _enc_float,
    "bool": _enc_bool,
    "ts": _enc_ts,
    "text[]": _enc_array,
    "jsonb": _enc_json,
}


def _encoder(kind: str) -> Encode:
    return _ENCODE.get(kind, _enc_unknown)


class LineEncoder:
    """COPY text lines of one table's records (see the module docstring)."""

    def __init__(self, table: str, spec: TableSpec) -> None:
        self.table, self.spec = table, spec
        self.columns = columns_of(spec)
        #: (column, encoder, top-level field, nested path, a text column)
        self._cols = [
            (c.name, _encoder(c.kind), c.field_path[0], c.field_path[1:], c.kind == "text")
            for c in spec.columns
        ]
        covered: dict[str, set[str]] = {spec.key: {""}}
        for col in spec.columns:
            path = col.field_path
            covered.setdefault(path[0], set()).add(".".join(path[1:]))
        #: fields a column holds whole (not kept in `extra`), and version (its own column)
        self._whole = frozenset(n for n, inner in covered.items() if "" in inner) | {"version"}
        #: field -> nested keys with a column (the rest of the dict is kept in `extra`)
        self._nested = {n: frozenset(i) for n, i in covered.items() if "" not in i}
        self._computed: list[tuple[Encode, Callable[[Any], Any], bool]] = [
            (_encoder(q.kind), q.field.getter, q.field.derive is Derive.JOIN) for q in spec.computed
        ]
        self._prefix = _text(table) + "\t" if spec.sql == "documents" else ""
        #: the line as text (see `_compile`)
        self._line: Callable[[str, dict[str, Any], bool], str] = self._compile()

    def line(self, key: str, doc: dict[str, Any], plain: bool = False) -> bytes | None:
        """The record's COPY line (UTF-8, with its newline), or None: send `row` instead.
        `plain`: the caller knows that no string in `doc` holds a character COPY escapes
        or pgtext changes (backslash, tab, line ends, NUL, a leading MARK), so its text
        values are not searched for them again."""
        try:
            return self._line(key, doc, plain).encode()
        except (_Fallback, UnicodeEncodeError):
            return None

    def row(self, key: str, doc: dict[str, Any]) -> list[Any]:
        """The record as `to_row` values in `columns` order (the fallback)."""
        row = to_row(self.spec, key, doc)
        if self.spec.sql == "documents":
            row = {"tbl": self.table, "key": row[self.spec.key], **row}
        return [row[c] for c in self.columns]

    def _compile(self) -> Callable[[str, dict[str, Any], bool], str]:
        """This table's line function, its column loop unrolled into straight code.

        Why: a generic loop over a table's ~20 columns (unpacking each column's spec,
        walking its path, branching on its kind) was most of a line's cost, and a staged
        import makes two or three lines a report. The code made here does per column
        exactly what that loop did: the value at the column's path (missing if a parent
        is not a dict or lacks the key), NULL for None, plain text as it is, a missing
        field noted in `absent`, anything else through the column kind's encoder (a
        value it cannot hold exactly kept in `raw`)."""
        env: dict[str, Any] = {
            "_MISSING": _MISSING,
            "_NULL": _NULL,
            "_text": _text,
            "_search": _PLAIN_TEXT_NOT.search,
            "_MARK": MARK,
            "_json": _json,
            "_plain_json": _plain_json,
            "row_extra": row_extra,
            "_residual": self._residual,
        }
        key = self.spec.key
        code = [
            "def line(key, doc, plain):",
            "    get = doc.get",
            "    absent = []",
            "    raw = {}",
            f"    out = [{self._prefix!r} + _text(key)]",
            f"    if get({key!r}, _MISSING) != key:",
            f"        raw[{key!r}] = get({key!r})",
            f"        if {key!r} not in doc:",
            f"            absent.append({key!r})",
        ]
        for i, (name, encode, first, rest, text) in enumerate(self._cols):
            env[f"_enc{i}"] = encode
            code.append(f"    v = get({first!r}, _MISSING)")
            for part in rest:
                code.append(
                    f"    v = v[{part!r}] if isinstance(v, dict) and {part!r} in v else _MISSING"
                )
            code.append("    if v is None:")
            code.append("        out.append(_NULL)")
            if text:
                code.append(
                    "    elif type(v) is str and (plain or (not _search(v) "
                    "and not v.startswith(_MARK))):"
                )
                code.append("        out.append(v)")
            code.append("    elif v is _MISSING:")
            code.append("        out.append(_NULL)")
            code.append(f"        absent.append({name!r})")
            code.append("    else:")
            code.append(f"        enc, exact = _enc{i}(v)")
            code.append("        out.append(enc)")
            code.append("        if not exact:")
            code.append(f"            raw[{name!r}] = v")
        for j, (encode, evaluate, join) in enumerate(self._computed):
            env[f"_cenc{j}"], env[f"_eval{j}"] = encode, evaluate
            code.append(f"    v = _eval{j}(doc)")
            code.append("    if v is None:")
            code.append("        out.append(_NULL)")
            code.append("    else:")
            if join:
                code.append("        if isinstance(v, str):")
                code.append("            v = v.casefold()")
            code.append(f"        out.append(_cenc{j}(v)[0])")
        code += [
            "    version = get('version')",
            "    out.append(str(version) if type(version) is int else '0')",
            "    extra = row_extra(doc, _residual(doc), absent, raw)",
            "    out.append((plain and _plain_json(extra)) or _json(extra))",
            "    return '\\t'.join(out) + '\\n'",
        ]
        exec("\n".join(code), env)  # noqa: S102 - code made above from the table's spec
        compiled: Callable[[str, dict[str, Any], bool], str] = env["line"]
        return compiled

    def _residual(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The record's fields no column holds (for `extra`)."""
        whole, nested = self._whole, self._nested
        residual: dict[str, Any] = {}
        for name in [n for n in doc if n not in whole]:  # most fields have a column
            value = doc[name]
            inner = nested.get(name)
            if inner is None:
                residual[name] = value
            elif isinstance(value, dict):
                # kept unless every key has a column (and there is one): then all are held
                if not value or not value.keys() <= inner:
                    residual[name] = {k: v for k, v in value.items() if k not in inner}
            else:  # a nested parent that is not a dict: kept whole
                residual[name] = value
        return residual


def event_middle(
    at: Any, actor: Any, event_type: Any, entity: Any, payload: Any, plain: bool = False
) -> bytes | None:
    """The part of an event's COPY line (`event_line`) between its seq and its prev_hash,
    with both tabs: `at`, `actor`, `type`, `entity`, `payload`; None where a line cannot
    say it (then `write_row`). `plain`: the caller knows no string in them holds a
    character COPY escapes or pgtext changes (see `LineEncoder.line`)."""
    try:
        exact = type(at) is str and type(actor) is str and type(event_type) is str
        if plain and exact and type(entity) is str and "\x00" not in at:
            json = _plain_json(payload)
            if json is not None:
                return f"\t{at}\t{actor}\t{event_type}\t{entity}\t{json}\t".encode()
        parts = [
            "",
            _verbatim(at),
            _text(actor),
            _text(event_type),
            _text(entity),
            _json(payload),
            "",
        ]
        return "\t".join(parts).encode()
    except (_Fallback, UnicodeEncodeError, TypeError, AttributeError):
        return None


def event_line(ev: dict[str, Any]) -> bytes | None:
    """An audit event's COPY line for bulk.copy_events' columns (seq, at, actor, type,
    entity, payload, prev_hash, hash), or None: send it with `write_row` instead."""
    try:
        seq = ev["seq"]
        if type(seq) is not int:
            return None
        middle = event_middle(ev["at"], ev["actor"], ev["type"], ev["entity"], ev["payload"])
        if middle is None:
            return None
        ends = (_verbatim(ev["prev_hash"]), _verbatim(ev["hash"]))
        return b"".join(
            (str(seq).encode(), middle, ends[0].encode(), b"\t", ends[1].encode(), b"\n")
        )
    except (_Fallback, UnicodeEncodeError, TypeError, AttributeError):
        return None
