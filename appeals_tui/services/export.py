"""Exports of decisions as CSV, JSON lines, or DSA statements of reasons."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

import orjson

from ..domain.errors import ValidationError
from ..domain.models import FACTORS
from ..domain.sor import statement_of_reasons
from .history import HistoryFilter, iter_history
from .session import Session

__all__ = ["FORMATS", "CSV_COLUMNS", "export_decisions", "export_to_path", "decision_row"]

FORMATS = ("csv", "jsonl", "sor")
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
)


_JSONL = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS


def decision_row(d: dict[str, Any]) -> dict[str, Any]:
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
    }
    for f in FACTORS:
        row[f"factor_{f}"] = "yes" if d["factors"].get(f) else "no"
    return row


def _sor_rows(session: Session, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each decision with its case, read a batch of cases at a time (one refresh each)."""
    while batch := list(islice(rows, 1000)):
        cases = session.ws.get_many("cases", {d["case_id"] for d in batch})
        for d in batch:
            statement = statement_of_reasons(d, cases.get(d["case_id"], {}), session.library)
            if statement is not None:
                yield statement


def _counted(
    rows: Iterator[dict[str, Any]], progress: Callable[[int], None] | None, every: int = 500
) -> Iterator[dict[str, Any]]:
    """Report how many decisions were scanned (not written: sor skips no_action), so a
    progress bar can run against `history(...).total`."""
    scanned = 0
    for d in rows:
        yield d
        scanned += 1
        if progress and scanned % every == 0:
            progress(scanned)
    if progress:
        progress(scanned)


def export_decisions(
    session: Session,
    fmt: str,
    out: TextIO,
    flt: HistoryFilter | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stream matching decisions to `out`; returns how many records were written.

    `progress(n)` is called with the number of decisions scanned so far.
    """
    if fmt not in FORMATS:
        raise ValidationError(f"format: '{fmt}' is not one of {', '.join(FORMATS)}")
    rows = _counted(iter_history(session, flt), progress)
    written = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for d in rows:
            writer.writerow(decision_row(d))
            written += 1
    else:
        source = _sor_rows(session, rows) if fmt == "sor" else rows
        for record in source:
            out.write(orjson.dumps(record, option=_JSONL).decode())
            written += 1
    return written


def export_to_path(
    session: Session,
    fmt: str,
    path: Path,
    flt: HistoryFilter | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Export to a file atomically: written beside it as `.part`, renamed when complete,
    so an interrupted export never leaves a half file under the real name."""
    path = Path(path).expanduser()
    workspace = session.ws.path.resolve()
    if path.resolve().parent == workspace or workspace in path.resolve().parents:
        raise ValidationError(
            f"path: {path} is inside the workspace folder; exporting there would damage it"
        )
    if path.is_dir():
        raise ValidationError(f"path: {path} is a folder; name a file")
    if not path.parent.is_dir():
        raise ValidationError(f"path: folder {path.parent} does not exist")
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            count = export_decisions(session, fmt, handle, flt, progress)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError(f"path: cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
