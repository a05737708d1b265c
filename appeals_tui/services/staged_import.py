"""Importing a validated report file of any size: staged, then published at once.

Why: one transaction held every report, case and event of an import in memory
(~13 KB a report) and the workspace lock throughout. Here the validation pass
keeps ~50 bytes a report in memory and its clean rows in a temp file
(domain.reports.ReportScan); reports are grouped into cases by sorting packed
integers (subject hash, instant, index), and each group's rows are read back, made
into records (plain dicts, as `Report(...).to_dict()` and `Case(...).to_dict()` give
them: tests/services/test_intake_paths.py) and handed to the store's staging
(protocol v5), which keeps them out of sight. Only the changes to cases
that already exist are made under the writer lock, by `publish`'s finishing
transaction, against the latest state (a case decided meanwhile is a conflict and
nothing is imported). The same rules as `intake.import_parsed`: reports join the
open case of their subject, else a new case (linked to the subject's last one),
case ids in order of each case's first report; a report_id already stored is
skipped, or, with different content, an error naming both lines.
"""

from __future__ import annotations

import time
from array import array
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from ..domain.case_links import link_doc, link_fields
from ..domain.contacts import region_of
from ..domain.errors import ConflictError, ValidationError
from ..domain.models import Report
from ..domain.progress import Progress
from ..domain.reports import ReportScan
from ..store.protocol import Doc, Filter, Op, Order, Staging, Store, Transaction
from ..store.schema import INSERTED
from ..store.shipped import default_near_dup_settings
from . import link_helper
from .intake import _ACCEPTING, _differs, _rescore, new_case, report_texts
from .link_helper import HELPER_PAYS, Extracted, LinkHelper, Texts, extract_batch, forced
from .media import MediaCollector, _media_doc

__all__ = ["StagedOutcome", "import_scan", "report_doc"]

#: groups read from the file and checked against the store at a time
_BATCH = 500
#: groups whose texts are extracted at a time (their distinct texts must stay in the
#: per-text caches, contacts.CACHED_TEXTS, until their cases are staged)
_WARM = 250
_LOW32 = (1 << 32) - 1
_LOW64 = (1 << 64) - 1


@dataclass(frozen=True)
class StagedOutcome:
    """What one staged import stored."""

    imported: int
    skipped: int
    media_stored: int
    cases_created: tuple[str, ...]
    cases_updated: tuple[str, ...]


@dataclass(frozen=True)
class _Join:
    """Reports of one group that join a case stored before the import."""

    case_id: str
    indices: tuple[int, ...]


def _groups(scan: ReportScan) -> tuple[array[int], array[int], array[int]]:
    """(order, bounds, groups): report indices sorted by subject then instant (then
    file order); group g is order[bounds[g]:bounds[g + 1]]; `groups` lists them in
    the order of their first report (the order case ids are handed out).

    Packed integers sort ~10x faster and ~5x smaller than tuples; the subject is an
    8-byte hash, so a group is split again by the real subject when it is read."""
    n = len(scan)
    subjects, times = scan.subjects, scan.times
    keys = [(subjects[i] << 96) | (times[i] << 32) | i for i in range(n)]
    keys.sort()
    order = array("L", (k & _LOW32 for k in keys))
    bounds = array("L", [0])
    for pos in range(1, n):
        if keys[pos] >> 96 != keys[pos - 1] >> 96:
            bounds.append(pos)
    del keys
    firsts = [
        (times[order[start]] << 64) | (order[start] << 32) | g for g, start in enumerate(bounds)
    ]
    firsts.sort()
    groups = array("L", (k & _LOW32 for k in firsts))
    del firsts
    bounds.append(n)
    return order, bounds, groups


#: a report's fields and their defaults, in the order `Report.to_dict` gives them (None
#: for the required ones, which a validated row has, and for `media`'s list, made anew)
_REPORT_FIELDS: tuple[tuple[str, Any], ...] = tuple(
    (f.name, None if f.default is MISSING else f.default) for f in fields(Report)
)


def report_doc(clean: dict[str, Any]) -> Doc:
    """`Report.from_dict(clean).to_dict()` of a validated row (domain.reports._check_row),
    without the dataclass: the row's values, every other field's default, the fields in
    their order (a list is the row's own: each row is read afresh)."""
    doc = {name: clean.get(name, default) for name, default in _REPORT_FIELDS}
    if doc["media"] is None:
        doc["media"] = []
    return doc


def _subject_key(doc: Doc) -> tuple[str, str, str]:
    return (doc["platform"], doc["subject_type"], doc["subject_id"])


#: a report of the file: its index in the ReportScan, its line, its record (report_doc)
Item = tuple[int, int, Doc]
#: a batch: its reports, its groups (scan indices), the reports the store already holds
#: (by id) and the stored cases of its subjects (by subject id, in insertion order)
_Read = tuple[list[Item], list[list[int]], dict[str, Doc], dict[str, list[Doc]]]
#: what the store holds of a batch: its reports stored already, its subjects' cases
_Held = tuple[dict[str, Doc], dict[str, list[Doc]]]


def _split(items: list[Item]) -> Iterator[list[Item]]:
    """One list per real subject (an 8-byte hash may, very rarely, join two)."""
    by_key: dict[tuple[str, str, str], list[Item]] = {}
    for item in items:
        by_key.setdefault(_subject_key(item[2]), []).append(item)
    yield from by_key.values()


class _Importer:
    """One staged import (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        st: Staging,
        scan: ReportScan,
        media: MediaCollector | None,
        now: str,
        progress: Progress | None,
        early: LinkHelper | None = None,
    ) -> None:
        self.store, self.st, self.scan, self.media = store, st, scan, media
        self.now, self.progress = now, progress
        self.source = scan.name
        self.name = Path(scan.name).name
        self.facts = {f.sha256: f for f in (media.facts.values() if media else ())}
        self.imported = self.skipped = self.media_stored = 0
        self.created: list[str] = []
        self.joins: list[_Join] = []
        self.conflicts: list[str] = []
        self.conflict_count = 0
        self.staged_media: set[str] = set()
        self.min_length = default_near_dup_settings().min_length
        self.cases: dict[str, list[Doc]] = {}
        self.found: dict[int, Extracted] = {}  # the helper's answers for this batch
        self.early = early  # a helper started before the file was validated

    def run(self) -> StagedOutcome:
        n = len(self.scan)
        done = 0
        helper = self._start_helper()
        try:
            batches = self._batches()
            current = next(batches, None)
            # unless forced, the second batch's extraction cost decides whether the
            # helper is kept (`_pays`); the first one also pays for the first calls
            judged = helper is None or forced()
            asked = self._ask(helper, current)
            seen = 0
            while current is not None:
                upcoming = next(batches, None)  # its texts go to the helper now, so
                ask_next = self._ask(helper, upcoming)  # it extracts while we stage this one
                if upcoming is None and helper is not None:
                    helper.finish()  # nothing more to ask: it ends after its last answer
                items, batch, stored, self.cases = current
                self.found = self._answer(helper, items, stored) if asked else {}
                if not judged and seen >= 1 and helper is not None:
                    pays = self._pays(helper, current)
                    if pays is not None:
                        judged = True
                        if not pays:
                            helper.close()
                            helper, ask_next = None, False
                self._batch(items, batch, stored)
                done += len(items)
                if self.progress:
                    self.progress(done, n, "importing")
                current, asked, seen = upcoming, ask_next, seen + 1
        finally:
            if helper is not None:
                helper.close()
            if self.early is not None and self.early is not helper:
                self.early.close()  # started before validating, not used
        if self.conflicts or self.conflict_count:
            shown = self.conflicts[:50]
            if self.conflict_count > 50:
                shown.append(f"{self.source}: … and {self.conflict_count - 50} more")
            raise ValidationError(
                f"{self.source}: {self.conflict_count} report(s) repeat an imported report_id "
                "with different content; nothing imported",
                shown,
            )
        if self.progress:
            self.progress(n, n, "importing")
            self.progress(0, None, "saving")  # the last safe point: publish is all or nothing
        self.st.publish(self._finish)
        updated = tuple(dict.fromkeys(j.case_id for j in self.joins))
        return StagedOutcome(
            self.imported, self.skipped, self.media_stored, tuple(self.created), updated
        )

    # -- staging -----------------------------------------------------------------

    def _batches(self) -> Iterator[_Read]:
        """Each batch of groups: its reports read back, and what the store holds of them
        (`_lookup`). On a server database a batch is looked up by a thread as soon as it
        is read, a batch ahead of the one handed out: the two queries wait on the server
        with the GIL released while earlier batches are staged (waiting for them took
        ~10% of an import). The embedded store answers from memory, in turn."""
        reads = self._reads()
        if self.store.location is not None:
            for items, batch in reads:
                yield items, batch, *self._lookup(items)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="appeals-lookup") as pool:
            ahead: deque[tuple[list[Item], list[list[int]], Future[_Held]]] = deque()
            for items, batch in reads:
                ahead.append((items, batch, pool.submit(self._lookup, items)))
                if len(ahead) > 1:
                    items, batch, held = ahead.popleft()
                    yield items, batch, *held.result()
            for items, batch, held in ahead:
                yield items, batch, *held.result()

    def _reads(self) -> Iterator[tuple[list[Item], list[list[int]]]]:
        """The file's groups, _BATCH at a time, with their reports read back."""
        order, bounds, groups = _groups(self.scan)
        for first in range(0, len(groups), _BATCH):
            batch: list[list[int]] = [
                list(order[bounds[g] : bounds[g + 1]]) for g in groups[first : first + _BATCH]
            ]
            flat = [i for group in batch for i in group]
            rows = self.scan.read(flat)
            items = [(i, line, report_doc(row)) for i, (line, row) in zip(flat, rows, strict=True)]
            yield items, batch

    def _lookup(self, items: list[Item]) -> _Held:
        """The reports of `items` the store holds, and the stored cases of their subjects."""
        ids = [doc["report_id"] for _, _, doc in items]
        stored = {d["report_id"]: d for d in self.store.get_many("reports", ids)}
        return stored, self._cases_of({doc["subject_id"] for _, _, doc in items})

    # -- contacts and text keys (each step its own method: the benchmark measures an
    # -- import without them, benchmarks/import_overhead.py)

    def _start_helper(self) -> LinkHelper | None:
        """The helper started before validating (`LinkHelper.start_for_file`), if this
        import has enough reports for it, else one started now (started with the
        staging when a big file is validated on both cores, services/scan_split.py)."""
        if self.early is not None:
            if len(self.scan) >= link_helper.HELPER_MIN:
                return self.early
            self.early.close()
            self.early = None
            return None
        return LinkHelper.start(len(self.scan), self.min_length, self.store.server_on_host)

    def _pays(self, helper: LinkHelper, read: _Read) -> bool | None:
        """Whether extracting this batch's new reports cost at least HELPER_PAYS µs a
        report (None: it has none): what the helper's answer cost it, or, when it did
        not answer (not ready yet), this thread's CPU extracting them now (its cases are
        then staged from the warm caches). Why: handing a report's texts over and
        taking the answer costs ~3 µs here; texts the import has seen (a file of a few
        dozen texts) come from the caches for less, distinct ones cost ~25-60 µs. The
        second batch is judged: the first one also pays for the extraction's first
        calls."""
        if self.found:
            cost = helper.cost
        else:
            fresh = [item for item in read[0] if item[2]["report_id"] not in read[2]]
            start = time.thread_time()
            self.found = self._warm_links(fresh) or {}
            cost = (time.thread_time() - start) * 1e6 / len(fresh) if fresh else None
        return None if cost is None else cost >= HELPER_PAYS

    def _ask(self, helper: LinkHelper | None, read: _Read | None) -> bool:
        """Hand a batch's new reports' texts to the helper (False: it is not ready)."""
        if helper is None or read is None:
            return False
        items, _, stored, _ = read
        return helper.ask([_texts(doc) for _, _, doc in items if doc["report_id"] not in stored])

    def _answer(
        self, helper: LinkHelper | None, items: list[Item], stored: dict[str, Doc]
    ) -> dict[int, Extracted]:
        """The helper's answer for a batch asked about: scan index -> what it found."""
        fresh = [i for i, _, doc in items if doc["report_id"] not in stored]
        found = helper.answer(len(fresh)) if helper is not None else None
        return dict(zip(fresh, found, strict=True)) if found is not None else {}

    def _batch(self, items: list[Item], batch: list[list[int]], stored: dict[str, Doc]) -> None:
        at = 0
        helped = bool(self.found)  # the helper answered (or `_pays` extracted them)
        for first in range(0, len(batch), _WARM):
            chunk = batch[first : first + _WARM]
            size = sum(map(len, chunk))
            if not helped:  # extract them here, in one loop, as the helper would
                fresh = [
                    item for item in items[at : at + size] if item[2]["report_id"] not in stored
                ]
                self.found.update(self._warm_links(fresh) or {})
            for group in chunk:
                part, at = items[at : at + len(group)], at + len(group)
                for same in _split(part):
                    fresh = [item for item in same if not self._known(item[1], item[2], stored)]
                    if fresh and not self.conflict_count:
                        self._group(fresh)

    def _warm_links(self, fresh: list[Item]) -> dict[int, Extracted] | None:
        """Extract the contacts and text keys of these reports' texts in one loop before
        their cases are staged, as the helper does (`link_helper.extract_batch`): the
        matcher's code and data stay in the CPU caches (~25% less CPU than extracting
        between staging records), and each case then takes its reports' answers
        (`_from_helper`) instead of looking its texts up again (`link_doc`)."""
        found = extract_batch([_texts(doc) for _, _, doc in fresh], self.min_length)
        return {index: answer for (index, _, _), answer in zip(fresh, found, strict=True)}

    def _cases_of(self, subject_ids: set[str]) -> dict[str, list[Doc]]:
        """Stored cases of these subject ids, in insertion order. A server database
        answers in one query (a lookup each is a round trip each); the embedded
        store's index answers a lookup in memory."""
        found: dict[str, list[Doc]] = {}
        if self.store.location is None:
            where = [Filter("subject.subject_id", Op.IN, sorted(subject_ids))]
            order = [Order(INSERTED)]
            for case in self.store.query("cases", where, order).rows:
                found.setdefault(case["subject"]["subject_id"], []).append(case)
            return found
        for sid in subject_ids:
            found[sid] = self.store.lookup("cases", "subject.subject_id", sid)
        return found

    def _known(self, line: int, new: Doc, stored: dict[str, Doc]) -> bool:
        """Already imported: skipped (same content) or a conflict (different)."""
        doc = stored.get(new["report_id"])
        if doc is None:
            return False
        field = _differs(doc, new)
        if field is not None:
            self.conflict_count += 1
            if len(self.conflicts) < 50:
                was = doc.get("source") or "an earlier import"
                self.conflicts.append(
                    f"{self.source}:{line}: report_id: '{new['report_id']}' was "
                    f"imported from {was} with a different {field}"
                )
        self.skipped += 1
        return True

    def _group(self, group: list[Item]) -> None:
        first = group[0][2]
        key = _subject_key(first)
        latest: str | None = None
        open_case: str | None = None
        for case in self.cases.get(first["subject_id"], ()):
            s = case["subject"]
            if (s["platform"], s["subject_type"], s["subject_id"]) != key:
                continue
            latest = case["case_id"]
            open_case = case["case_id"] if case["status"] in _ACCEPTING else None
        if open_case is not None:
            for _, line, doc in group:
                self._stage_report(line, doc, open_case)
            self.joins.append(_Join(open_case, tuple(i for i, _, _ in group)))
            return
        case_id = self.st.next_id("C")
        case = new_case(first, case_id, self.now, latest)
        reports = []
        for _, line, doc in group:
            reports.append(self._stage_report(line, doc, case_id))  # media paths -> hashes
            _merge(case, doc, self.now)
        case["priority"] = _rescore(case, reports)
        links = self._stage_links(case, group)
        if links is not None:  # None: switched off (benchmarks/import_overhead.py)
            case.update(links)
        self.st.add("cases", case_id, case)
        self.st.event(
            "case.opened",
            f"case:{case_id}",
            {"subject": case["subject"], "linked_case": case["linked_case"]},
        )
        self.created.append(case_id)

    def _stage_links(self, case: Doc, group: list[Item]) -> Doc | None:
        """A new case's contacts and text key (`case_links.LINK_FIELDS`, stored with the
        case): from the helper's answers when it has one for every report (read in the
        case's region), else extracted here."""
        fields = _from_helper(case, group, self.found)
        if fields is None:
            texts = [t for _, _, report in group for t in report_texts(report)]
            fields = link_fields(link_doc(case, texts, min_length=self.min_length))
        return fields

    def _stage_report(self, line: int, doc: Doc, case_id: str) -> Doc:
        """Stage the report record `doc` (report_doc) of file line `line`, and its media."""
        if doc["media"] and self.media is not None:
            doc["media"] = self.media.hashes(doc["media"])
            for sha in doc["media"]:
                if sha in self.staged_media or sha not in self.facts:
                    continue
                self.staged_media.add(sha)
                if self.store.get("media", sha) is None:
                    preview = self.media.previews.get(sha)
                    facts = self.facts[sha]
                    media = _media_doc(facts, self.now, case_id, doc["account"], preview)
                    self.st.add("media", sha, media)
                    self.st.event("media.stored", f"media:{sha}", media)
                    self.media_stored += 1
        doc["case_id"] = case_id
        doc["imported_at"] = self.now
        doc["source"] = f"{self.name}:{line}"
        self.st.add("reports", doc["report_id"], doc)
        self.imported += 1
        return doc

    # -- publish (writer lock held) ------------------------------------------------

    def _finish(self, txn: Transaction) -> None:
        """Cases stored before the import take its reports; ids and the summary."""
        by_case: dict[str, list[int]] = {}
        for join in self.joins:
            by_case.setdefault(join.case_id, []).extend(join.indices)
        cases = list(by_case.items())
        for first in range(0, len(cases), _BATCH):  # one pass over the file per batch
            batch = cases[first : first + _BATCH]
            wanted = [sorted(indices, key=self._when) for _, indices in batch]
            rows = iter(self.scan.read([i for indices in wanted for i in indices]))
            for (case_id, _), indices in zip(batch, wanted, strict=True):
                self._join(txn, case_id, [report_doc(next(rows)[1]) for _ in indices])
        txn.event(
            "reports.imported",
            "reports",
            {
                "source": self.name,
                "imported": self.imported,
                "skipped": self.skipped,
                "cases_created": len(self.created),
                "cases_updated": len(by_case),
                "media_stored": self.media_stored,
            },
        )

    def _when(self, index: int) -> tuple[int, int]:
        return (self.scan.times[index], index)

    def _join(self, txn: Transaction, case_id: str, reports: list[Doc]) -> None:
        case = txn.get("cases", case_id)
        if case is None or case["status"] not in _ACCEPTING:
            raise ConflictError(
                f"case {case_id} was {'removed' if case is None else case['status']} during "
                "this import; nothing imported; run the import again"
            )
        # every one was staged by this import (a report stored before was skipped, one
        # stored by someone else since is a conflict when published); not looked up:
        # PostgreSQL's finishing transaction sees the staged rows (same transaction),
        # so such a lookup found them all and the case never took its new reports
        fresh = reports
        new = dict(case)
        for report in fresh:
            report["case_id"] = case_id
            if report["media"] and self.media is not None:
                report["media"] = self.media.hashes(report["media"])
            _merge(new, report, self.now)
        older = [txn.get("reports", rid) or {} for rid in case["report_ids"]]
        new["priority"] = _rescore(new, older + fresh)
        texts = [t for r in fresh for t in report_texts(r)]
        contacts = case.get("contacts") or ()  # contacts only ever grow
        new.update(link_fields(link_doc(new, texts, contacts, min_length=self.min_length)))
        fields = {k: v for k, v in new.items() if k != "version" and v != case.get(k)}
        txn.update("cases", case_id, fields)


def _texts(doc: Doc) -> Texts:
    """A report's texts for `extract_batch`: its content and media description, and its
    other texts (`report_texts` less those two: each text is handed over once)."""
    content, media = doc["content_text"], doc["media_description"]
    others = tuple(t for t in report_texts(doc) if t is not content and t is not media)
    return (content, media, others, doc["jurisdiction"])


def _from_helper(case: Doc, group: list[Item], found: dict[int, Extracted]) -> Doc | None:
    """The case's link fields from the helper's answers, exactly as `link_doc` gives
    them: its texts are its reports' (its content and media description come from one
    of them), so its contacts are theirs when each was read in the case's region; its
    key is that of a report with the same content and media description. None: not
    answerable."""
    if not found:
        return None
    region = region_of(case.get("jurisdiction"))
    text = (case.get("content_text"), case.get("media_description"))
    if len(group) == 1:  # most cases: the case's texts are its one report's
        index, _, report = group[0]
        answer = found.get(index)
        if answer is None or answer.region != region:
            return None
        if (report["content_text"], report["media_description"]) != text:
            return None
        return {"contacts": sorted(set(answer.contacts)), "text_key": answer.key}
    answers = [found.get(i) for i, _, _ in group]
    contacts: set[str] = set()
    for answer in answers:
        if answer is None or answer.region != region:
            return None
        contacts.update(answer.contacts)
    for (_, _, report), answer in zip(group, answers, strict=True):
        if (report["content_text"], report["media_description"]) == text:
            assert answer is not None
            return {"contacts": sorted(contacts), "text_key": answer.key}
    return None


def _merge(case: Doc, report: Doc, now: str) -> None:
    """A report (its record) joins `case` (a dict changed in place), as
    `intake.import_parsed` does."""
    metrics = dict(case.get("metrics") or {})
    metrics["followers"] = max(metrics.get("followers", 0), report["followers"] or 0)
    metrics["views"] = max(metrics.get("views", 0), report["views"] or 0)
    case["report_ids"] = [*case["report_ids"], report["report_id"]]
    case["metrics"] = metrics
    case["updated_at"] = now
    case["content_text"] = case.get("content_text") or report["content_text"]
    case["media_description"] = case.get("media_description") or report["media_description"]
    case["jurisdiction"] = case.get("jurisdiction") or report["jurisdiction"]
    if report["media"]:
        have = list(case.get("media") or ())
        case["media"] = have + [h for h in report["media"] if h not in have]


def import_scan(
    store: Store,
    actor: str,
    now: str,
    scan: ReportScan,
    media: MediaCollector | None = None,
    progress: Progress | None = None,
    helper: LinkHelper | None = None,
) -> StagedOutcome:
    """Stage the reports of a validated file and publish them at once (see above).
    `helper`: a link helper started before the file was validated (the import uses it
    or stops it)."""
    with store.staging(actor) as st:
        return _Importer(store, st, scan, media, now, progress, helper).run()
