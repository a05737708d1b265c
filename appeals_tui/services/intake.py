"""Importing reports and grouping them into cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.case_links import link_doc, link_fields
from ..domain.collector import collector_paused
from ..domain.errors import PermissionDenied, ValidationError
from ..domain.models import CaseStatus, Report
from ..domain.priority import priority_score
from ..domain.progress import EVERY, Progress
from ..domain.reports import (
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    ImportLimits,
    ParsedReport,
)
from ..store.protocol import Doc
from ..store.shipped import default_near_dup_settings
from .link_helper import LinkHelper
from .media import MediaCollector, _media_doc, media_store
from .permissions import can
from .report_files import parse_report_file, scan_report_file
from .scan_split import in_two
from .session import Session

__all__ = ["ImportResult", "import_reports", "import_parsed", "parse_with_media", "report_texts"]

#: Cases in these states still take new reports; decided ones get a new linked case.
_ACCEPTING = {CaseStatus.OPEN.value, CaseStatus.IN_REVIEW.value}


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    media_stored: int = 0
    cases_created: list[str] = field(default_factory=list)
    cases_updated: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "cases_created": len(self.cases_created),
            "cases_updated": len(self.cases_updated),
            "media_stored": self.media_stored,
        }


def import_reports(
    session: Session,
    path: Path,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Validate the whole file, then stage its reports and publish them at once (all or
    nothing, any size, in bounded memory; services/staged_import.py).

    `progress` sees a "validating" pass over the lines, then an "importing" pass over the
    reports; both run before the publish, so stopping in either leaves nothing imported.
    """
    if not can(session, "read"):
        raise PermissionDenied(f"{session.actor} may not import reports")
    from .staged_import import import_scan

    path = Path(path)
    media = MediaCollector(path.parent)
    # ~10 small containers a report, none in a cycle: the collector's walks over them
    # cost ~5% of an import (domain/collector.py)
    with collector_paused():
        # a big file is validated on both cores (services/scan_split.py) and the link
        # helper, if any, starts with the staging; a file validated in one process has
        # it started now, on the other core, to be ready for the first batch
        helper = LinkHelper.start_for_file(
            path,
            default_near_dup_settings().min_length,
            session.ws.server_on_host,
            one_process=not in_two(path.name, _size(path)),
        )
        try:
            scan = scan_report_file(path, media.check, progress, limits)
            try:
                if media.facts:
                    media.copy_into(media_store(session.ws), str(path))
                now = session.now_iso()
                done = import_scan(session.ws, session.actor, now, scan, media, progress, helper)
            finally:
                scan.close()
        finally:
            if helper is not None:
                helper.close()  # if the import did not (a refused file)
    return ImportResult(
        imported=done.imported,
        skipped=done.skipped,
        media_stored=done.media_stored,
        cases_created=list(done.cases_created),
        cases_updated=list(done.cases_updated),
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # validating it says what is wrong


#: the fields of a report that come from the file (compared on a repeated report_id)
_FILE_FIELDS = tuple(f for f in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS) if f != "media")


def _differs(stored: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The first file field in which the report record `new` differs from the stored one."""
    empty = (None, "")
    for name in _FILE_FIELDS:
        a, b = stored.get(name), new.get(name)
        if a != b and not (a in empty and b in empty):
            return name
    return None


def parse_with_media(
    ws: Any, path: Path, progress: Progress | None = None, limits: ImportLimits | None = None
) -> tuple[list[ParsedReport], MediaCollector]:
    """Validate the file and its media; once all passed, copy the media into the store.

    The reports come back with `media` as SHA-256 hashes (files already stored;
    unreferenced until the import commits, which is harmless: content-addressed).
    """
    media = MediaCollector(path.parent)
    parsed = parse_report_file(path, media.check, progress, limits)
    if media.facts:
        media.copy_into(media_store(ws), str(path))
        for item in parsed:
            item.report.media = media.hashes(item.report.media)
    return parsed, media


def _subject_key(report: Report) -> tuple[str, str, str]:
    return (report.platform, report.subject_type, report.subject_id)


def _case_subject_key(case: dict[str, Any]) -> tuple[str, str, str]:
    s = case["subject"]
    return (s["platform"], s["subject_type"], s["subject_id"])


def _rescore(case: dict[str, Any], reports: list[dict[str, Any]]) -> float:
    metrics = case.get("metrics", {})
    return priority_score(
        views=int(metrics.get("views") or 0),
        followers=int(metrics.get("followers") or 0),
        report_count=len(case["report_ids"]),
        reasons=frozenset(r["reason"] for r in reports),
    )


def report_texts(report: Mapping[str, Any]) -> tuple[str, ...]:
    """Where a report (its record) may carry a means of contact. Not its `url`: that is
    the reported content's own address, not a way to reach anyone."""
    return (report["content_text"], report["media_description"], report["reason"])


def _link_changes(case: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    """The case's contacts and text key where they change (contacts only ever grow)."""
    doc = link_doc(
        case,
        texts,
        case.get("contacts") or (),
        min_length=default_near_dup_settings().min_length,
    )
    return {k: v for k, v in link_fields(doc).items() if k not in case or case[k] != v}


def import_parsed(
    session: Session,
    parsed: list[ParsedReport],
    source: str,
    media: MediaCollector | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Store validated reports; `media` holds the facts of files already copied into the store."""
    result = ImportResult()
    facts = {f.sha256: f for f in (media.facts.values() if media else ())}
    ws = session.ws
    now = session.now_iso()
    with ws.transaction(session.actor) as txn:
        open_cases: dict[tuple[str, str, str], str] = {}
        latest_case: dict[tuple[str, str, str], str] = {}
        for key in {_subject_key(item.report) for item in parsed}:
            for case in ws.lookup("cases", "subject.subject_id", key[2]):
                if _case_subject_key(case) != key:
                    continue
                latest_case[key] = case["case_id"]
                if case["status"] in _ACCEPTING:
                    open_cases[key] = case["case_id"]
        touched: dict[str, None] = {}
        conflicts: list[str] = []
        texts: dict[str, list[str]] = {}
        listed: set[str] = set()  # cases already in cases_created or cases_updated
        if progress:
            progress(0, len(parsed), "importing")
        for done, item in enumerate(sorted(parsed, key=lambda p: p.report.reported_at)):
            if progress and done % EVERY == 0:
                progress(done, len(parsed), "importing")
            report = item.report
            stored = txn.get("reports", report.report_id)
            if stored is not None:
                field = _differs(stored, report.to_dict())
                if field is not None:
                    was = stored.get("source") or "an earlier import"
                    conflicts.append(
                        f"{source}:{item.line}: report_id: '{report.report_id}' was imported "
                        f"from {was} with a different {field}"
                    )
                result.skipped += 1
                continue
            if conflicts:
                continue  # the import will be refused: build nothing more
            key = _subject_key(report)
            case_id = open_cases.get(key)
            if case_id is None:
                case_id = txn.next_id("C")
                opened = new_case(report.to_dict(), case_id, now, latest_case.get(key))
                txn.insert("cases", case_id, opened)
                txn.event(
                    "case.opened",
                    f"case:{case_id}",
                    {"subject": opened["subject"], "linked_case": opened["linked_case"]},
                )
                open_cases[key] = case_id
                latest_case[key] = case_id
                result.cases_created.append(case_id)
                listed.add(case_id)
            elif case_id not in listed:  # a set: scanning the lists made 100k imports quadratic
                result.cases_updated.append(case_id)
                listed.add(case_id)
            case_doc = txn.get("cases", case_id)
            assert case_doc is not None
            metrics = dict(case_doc.get("metrics", {}))
            metrics["followers"] = max(metrics.get("followers", 0), report.followers or 0)
            metrics["views"] = max(metrics.get("views", 0), report.views or 0)
            fields = {
                "report_ids": [*case_doc["report_ids"], report.report_id],
                "metrics": metrics,
                "updated_at": now,
                "content_text": case_doc.get("content_text") or report.content_text,
                "media_description": case_doc.get("media_description") or report.media_description,
                "jurisdiction": case_doc.get("jurisdiction") or report.jurisdiction,
            }
            if report.media:
                have = list(case_doc.get("media") or ())
                fields["media"] = have + [h for h in report.media if h not in have]
                for sha in report.media:
                    if txn.get("media", sha) is None and sha in facts:
                        preview = media.previews.get(sha) if media else None
                        doc = _media_doc(facts[sha], now, case_id, report.account, preview)
                        txn.insert("media", sha, doc)
                        txn.event("media.stored", f"media:{sha}", doc)
                        result.media_stored += 1
            report.case_id = case_id
            report.imported_at = now
            report.source = f"{Path(source).name}:{item.line}"
            doc = report.to_dict()
            txn.insert("reports", report.report_id, doc)
            touched[case_id] = None
            texts.setdefault(case_id, []).extend(report_texts(doc))
            txn.update("cases", case_id, fields)
            result.imported += 1
        if conflicts:
            shown = conflicts[:50]
            if len(conflicts) > 50:
                shown.append(f"{source}: … and {len(conflicts) - 50} more")
            raise ValidationError(
                f"{source}: {len(conflicts)} report(s) repeat an imported report_id with "
                "different content; nothing imported",
                shown,
            )
        if progress:
            progress(len(parsed), len(parsed), "importing")
        for done, case_id in enumerate(touched):
            if progress and done % EVERY == 0:
                progress(done, len(touched), "scoring cases")
            case_doc = txn.get("cases", case_id)
            assert case_doc is not None
            reports = [txn.get("reports", rid) or {} for rid in case_doc["report_ids"]]
            fields = {"priority": _rescore(case_doc, reports)}
            fields.update(_link_changes(case_doc, texts[case_id]))
            txn.update("cases", case_id, fields)
        if progress:
            progress(len(touched), len(touched), "scoring cases")
            progress(0, None, "saving")  # the last safe point: the commit is all or nothing
        txn.event(
            "reports.imported",
            "reports",
            {"source": Path(source).name, **result.to_dict()},
        )
    return result


def new_case(report: Mapping[str, Any], case_id: str, now: str, linked: str | None) -> Doc:
    """The stored record of a case a report (its record) opens, as `Case(...).to_dict()`
    gives it (both import paths write this; built directly: a staged import makes one per
    new subject, and the dataclass round trip was most of the cost).
    tests/services/test_intake_paths.py checks it against the dataclass."""
    return {
        "case_id": case_id,
        "subject": {
            "platform": report["platform"],
            "subject_type": report["subject_type"],
            "subject_id": report["subject_id"],
            "account": report["account"],
            "url": report["url"],
        },
        "content_text": report["content_text"],
        "media_description": report["media_description"],
        "jurisdiction": report["jurisdiction"],
        "metrics": {"followers": report["followers"] or 0, "views": report["views"] or 0},
        "report_ids": [],
        "status": CaseStatus.OPEN,
        "assignee": None,
        "priority": 0.0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "first_reported_at": report["reported_at"],
        "linked_case": linked,
        "escalated": False,
        "decision_id": None,
        "media": [],
    }
