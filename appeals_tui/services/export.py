"""Exports of decisions as CSV, JSON lines, or DSA statements of reasons.

Statements of reasons are checked against the Transparency Database's own rules
(`domain.sor_rules`) before anything is written: a statement the database would refuse
never reaches the file. Decisions that need no statement are left out and counted by
reason, so the summary says what is missing and why.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from ..domain.collector import collector_paused
from ..domain.errors import ValidationError
from ..domain.jsontypes import JsonObject
from ..domain.models import FACTORS
from ..domain.progress import EVERY, Progress
from ..safe_output import safe_output
from .history import HistoryFilter, _matching_docs
from .session import Session
from .sor_statements import SorScan, _scan_statements

__all__ = [
    "FORMATS",
    "CSV_COLUMNS",
    "ExportResult",
    "export_decisions",
    "export_to_path",
]

FORMATS = ("csv", "jsonl", "sor", "sor-api")
MANIFEST = "manifest.json"
CSV_COLUMNS = (
    "decision_id",
    "case_id",
    "moderator",
    "decided_at",
    "action",
    "clauses",
    *(f"factor_{f}" for f in FACTORS),
    "reasoning",
    "guidance_action",
    "guidance_clause",
    "guidance_rule",
    "diverged",
    "divergence_reason",
    "supersedes",
    "superseded_by",
    "appeal_outcome",
    "canonical",
    "account",
    "jurisdiction",
    "media",
)


def _decision_row(d: dict[str, Any]) -> dict[str, Any]:
    """Flatten a decision for CSV: clauses as `ID@vN;…`, factors as yes/no columns."""
    guidance = d.get("guidance") or {}
    row = {
        "decision_id": d["decision_id"],
        "case_id": d["case_id"],
        "moderator": d["moderator"],
        "decided_at": d["decided_at"],
        "action": d["action"],
        "clauses": ";".join(f"{c['id']}@v{c['version']}" for c in d["clauses"]),
        "reasoning": d["reasoning"],
        "guidance_action": guidance.get("action", ""),
        "guidance_clause": guidance.get("clause_id", ""),
        "guidance_rule": guidance.get("rule_id", ""),
        "diverged": "yes" if d.get("diverged") else "no",
        "divergence_reason": d.get("divergence_reason") or "",
        "supersedes": d.get("supersedes") or "",
        "superseded_by": d.get("superseded_by") or "",
        "appeal_outcome": d.get("appeal_outcome") or "",
        "canonical": "yes" if d.get("canonical") else "no",
        "account": d.get("account", ""),
        "jurisdiction": d.get("jurisdiction", ""),
        "media": ";".join(d.get("media") or ()),
    }
    for f in FACTORS:
        row[f"factor_{f}"] = "yes" if d["factors"].get(f) else "no"
    return row


#: a cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading `'` (OWASP);
    CSV only: JSON and SoR exports keep the text exact."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportFile:
    """One file of a `sor-api` export: its name and the decisions its statements are for."""

    file: str
    statements: int
    decisions: list[str]


@dataclass
class ExportResult:
    """What an export wrote, what it left out and why, and what it refused."""

    fmt: str
    written: int = 0
    scanned: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    left_out_why: dict[str, str] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)
    invalid_decisions: int = 0
    path: str | None = None
    files: list[ExportFile] = field(default_factory=list)
    taxonomy_version: str = ""
    database_rules: str = ""
    #: the audit chain's head (SEQ:HASH) when the export began: keep it with the file
    chain_head: str = ""

    @property
    def statements(self) -> bool:
        return self.fmt in ("sor", "sor-api")

    def summary(self) -> str:
        """The one line the CLI prints on stderr."""
        what = "statement(s)" if self.statements else "record(s)"
        line = f"exported {self.written} {what}"
        if self.path:
            line += f" to {self.path}"
            if self.files:
                line += f" ({len(self.files)} file(s) and {MANIFEST})"
        if self.statements:
            total = sum(self.left_out.values())
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.left_out.items()))
            line += f"; left out {total} needing no statement" + (f" ({reasons})" if total else "")
            if self.invalid_decisions:
                line += f"; skipped {self.invalid_decisions} invalid"
        return line

    def as_dict(self) -> JsonObject:
        """The documented `export decisions --json` object (docs/cli.md), which is also the
        body of a `sor-api` export's manifest: the fields depend on the format."""
        out: JsonObject = {
            "format": self.fmt,
            "written": self.written,
            "scanned": self.scanned,
            "path": self.path,
            "chain_head": self.chain_head,
        }
        if self.statements:
            out |= {
                "left_out": dict(sorted(self.left_out.items())),
                "left_out_total": sum(self.left_out.values()),
                "left_out_why": {k: self.left_out_why.get(k, "") for k in sorted(self.left_out)},
                "invalid": self.invalid,
                "invalid_decisions": self.invalid_decisions,
                "taxonomy_version": self.taxonomy_version,
                "database_rules": self.database_rules,
            }
        if self.files:
            out["files"] = [dataclasses.asdict(f) for f in self.files]
        return out


def _counted(
    rows: Iterator[dict[str, Any]], progress: Progress | None, total: int | None
) -> Iterator[dict[str, Any]]:
    """Report how many decisions were scanned (not written: sor leaves some out)."""
    scanned = 0
    if progress:
        progress(0, total, "exporting")
    for d in rows:
        yield d
        scanned += 1
        if progress and scanned % EVERY == 0:
            progress(scanned, total, "exporting")
    if progress:
        progress(scanned, scanned, "exporting")


def _scan(
    session: Session, flt: HistoryFilter | None, progress: Progress | None
) -> Iterator[dict[str, Any]]:
    """The decisions to export; the total is known up front only for an unfiltered export."""
    total = session.ws.count("decisions") if (flt or HistoryFilter()) == HistoryFilter() else None
    return _counted(_matching_docs(session, flt), progress, total)


def _json_line(record: dict[str, Any]) -> str:
    """One record per line, keys sorted; orjson (a json.dumps per record was a third of
    an export's time at 100k decisions)."""
    return orjson.dumps(record, option=_JSONL).decode()


_JSONL = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS


def _finish(result: ExportResult, scan: SorScan, skip_invalid: bool) -> None:
    """Copy the scan's counts into the result; refuse when any statement is invalid."""
    result.scanned = scan.scanned
    result.left_out = dict(scan.left_out)
    result.left_out_why = {k: scan.why(k) for k in scan.left_out}
    result.invalid = [str(p) for p in scan.problems]
    result.invalid_decisions = scan.invalid_decisions
    result.taxonomy_version = scan.taxonomy_version
    result.database_rules = scan.rules_version
    if scan.problems and not skip_invalid:
        raise ValidationError(
            f"{scan.invalid_decisions} statement(s) would be refused by the DSA Transparency "
            f"Database ({len(scan.problems)} problem(s)); nothing was written "
            "(--skip-invalid writes the rest)",
            result.invalid,
        )


def export_decisions(
    session: Session,
    fmt: str,
    out: IO[str],
    flt: HistoryFilter | None = None,
    progress: Progress | None = None,
    *,
    skip_invalid: bool = False,
) -> ExportResult:
    """Stream matching decisions to `out` (csv, jsonl or sor lines).

    `progress(n)` is called with the number of decisions scanned so far. Statements
    are held in a spooled buffer until all of them passed the database's rules, so a
    refused export writes nothing to `out`.
    """
    if fmt not in FORMATS or fmt == "sor-api":
        hint = " (sor-api writes a folder: give --out)" if fmt == "sor-api" else ""
        raise ValidationError(f"format: '{fmt}' is not one of csv, jsonl, sor{hint}")
    rows = _scan(session, flt, progress)
    result = ExportResult(fmt, chain_head=_head(session))
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for d in rows:
            writer.writerow({k: neutralise(v) for k, v in _decision_row(d).items()})
            result.written += 1
        result.scanned = result.written
    elif fmt == "jsonl":
        for d in rows:
            out.write(_json_line(d))
            result.written += 1
        result.scanned = result.written
    else:
        scan = SorScan(session.library)
        with tempfile.SpooledTemporaryFile(8 << 20, "w+b") as buffer:
            with collector_paused():
                for statement in _scan_statements(session, rows, scan):
                    buffer.write(orjson.dumps(statement, option=_JSONL))
                    result.written += 1
            _finish(result, scan, skip_invalid)
            buffer.seek(0)
            _copy_out(buffer, out)
    return result


def _copy_out(buffer: IO[bytes], out: IO[str]) -> None:
    """The spooled UTF-8 lines to `out`: straight to its bytes when it has them."""
    raw = getattr(out, "buffer", None)
    if raw is not None:
        out.flush()
        shutil.copyfileobj(buffer, raw)
        raw.flush()
    else:
        text = io.TextIOWrapper(buffer, encoding="utf-8")
        shutil.copyfileobj(text, out)
        text.detach()  # the spool is closed by its owner


def _head(session: Session) -> str:
    head = session.ws.head()
    return f"{head.seq}:{head.hash}"


def _check_target(session: Session, path: Path, folder: bool) -> None:
    location = session.ws.location
    workspace = location.resolve() if location is not None else None
    if workspace is not None and (
        path.resolve().parent == workspace or workspace in path.resolve().parents
    ):
        raise ValidationError(
            f"path: {path} is inside the workspace folder; exporting there would damage it"
        )
    if not path.parent.is_dir():
        raise ValidationError(f"path: folder {path.parent} does not exist")
    if not folder:
        if path.is_dir():
            raise ValidationError(f"path: {path} is a folder; name a file")
        return
    if path.exists() and not path.is_dir():
        raise ValidationError(f"path: {path} is a file; sor-api writes a folder")
    if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).is_file():
        raise ValidationError(
            f"path: {path} holds other files; sor-api writes into an empty folder "
            "or replaces its own earlier export"
        )


def export_to_path(
    session: Session,
    fmt: str,
    path: Path,
    flt: HistoryFilter | None = None,
    progress: Progress | None = None,
    *,
    skip_invalid: bool = False,
    force: bool = False,
) -> ExportResult:
    """Export to a file (a folder for sor-api) atomically, through a temp file created
    beside it with O_EXCL (never a predictable name, never through a symlink) and
    renamed when complete: an interrupted or refused export leaves nothing behind.
    An existing file is replaced only with `force`; a FIFO, device or symlink never."""
    path = Path(path).expanduser()
    if fmt not in FORMATS:
        raise ValidationError(f"format: '{fmt}' is not one of {', '.join(FORMATS)}")
    _check_target(session, path, folder=fmt == "sor-api")
    if fmt == "sor-api":
        return _export_sor_api(session, path, flt, progress, skip_invalid)
    try:
        with safe_output(path, force=force) as handle:
            result = export_decisions(
                session, fmt, handle, flt, progress, skip_invalid=skip_invalid
            )
    except OSError as exc:
        raise ValidationError(f"path: cannot write {path}: {exc.strerror or exc}") from None
    result.path = str(path)
    return result


def _export_sor_api(
    session: Session,
    folder: Path,
    flt: HistoryFilter | None,
    progress: Progress | None,
    skip_invalid: bool,
) -> ExportResult:
    """Files of at most `statements_per_request` statements shaped `{"statements": [...]}`
    (the multi-statement endpoint's body), plus a manifest of which decisions each holds.
    `puid` is the decision id, so a re-run never submits a statement twice."""
    result = ExportResult("sor-api", path=str(folder), chain_head=_head(session))
    scan = SorScan(session.library)
    per_file = scan.rules.statements_per_request
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=folder.parent))
    except OSError as exc:
        raise ValidationError(f"path: cannot write in {folder.parent}: {exc.strerror}") from None
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        name = f"statements-{len(result.files) + 1:05d}.json"
        body = {"statements": batch}
        _write_private(tmp / name, json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n")
        decisions = [s["puid"] for s in batch]
        result.files.append(ExportFile(name, len(batch), decisions))
        batch.clear()

    try:
        rows = _scan(session, flt, progress)
        with collector_paused():
            for statement in _scan_statements(session, rows, scan, api_only=True):
                batch.append(statement)
                result.written += 1
                if len(batch) == per_file:
                    flush()
            if batch:
                flush()
        _finish(result, scan, skip_invalid)
        manifest = {
            "format": "sor-api",
            "endpoint": "POST /api/v1/statements",
            "statements_per_request": per_file,
            "puid": "decision_id",
            "exported_at": session.now_iso(),
            **{k: v for k, v in result.as_dict().items() if k not in ("format", "path")},
        }
        _write_private(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        _swap_in(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ValidationError(f"path: cannot write {folder}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _write_private(path: Path, text: str) -> None:
    """A new file of the export folder: UTF-8 (JSON is, whatever the locale says) and
    0600 like every other export file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _swap_in(tmp: Path, folder: Path) -> None:
    """Put the finished folder in place; an earlier export there is replaced whole."""
    if folder.is_dir():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
        old.rmdir()
        folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(folder)
