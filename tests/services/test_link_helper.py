"""The extraction helper process gives an import exactly the links it would extract itself.

services/link_helper.py extracts a batch's contacts and text keys in a second process
while the import stages the batch before; the import then builds each case's
`case_links` record from the answers (`staged_import._from_helper`). The records must
be the ones `case_links.link_doc` gives, whatever the texts (templated distinct
report texts with contacts in many forms), for cases of several reports, for reports
whose regions differ from their case's, and when the helper dies or talks nonsense
(the import then extracts inline and loses nothing).
"""

from __future__ import annotations

import sys

import pytest

from appeals_tui.domain.case_links import link_doc, link_fields
from appeals_tui.services import intake, link_helper, roster, staged_import
from appeals_tui.services.link_helper import LinkHelper, extract_batch
from appeals_tui.services.session import Session
from benchmarks.texts import DistinctCorpus
from tests.conftest import report, write_jsonl


def _rows(n: int) -> list[dict[str, object]]:
    """Distinct templated texts; every 4th subject has 3 reports (the first without a
    jurisdiction or content), every 7th report is read in another region."""
    corpus = DistinctCorpus(seed=5)
    rows = []
    for i in range(n):
        content, media = corpus.texts()
        subject = f"HP{i // 12}" if i % 4 == 0 else f"HS{i}"
        extra: dict[str, object] = {"content_text": content, "media_description": media}
        if i % 7 == 0:
            extra["jurisdiction"] = "US"
        if i % 12 == 0:
            extra["content_text"] = None
            extra["jurisdiction"] = None
        rows.append(report(f"H-{i}", subject, account=f"acct{i % 13}", **extra))
    return rows


def _links(session: Session) -> dict[str, dict]:
    """Every case's contacts and text key, as stored with it."""
    return {
        d["case_id"]: {"account": d["subject"]["account"], **link_fields(d)}
        for d in session.ws.iterate("cases")
    }


def _expected(session: Session) -> dict[str, dict]:
    """Every case's record as `link_doc` computes it from the stored case and reports."""
    out = {}
    for case in session.ws.iterate("cases"):
        reports = session.ws.get_many("reports", case["report_ids"])
        texts = [t for r in reports for t in (r.get("content_text"), r.get("media_description"))]
        texts += [r.get("reason") for r in reports]
        found = link_fields(link_doc(case, texts, min_length=24))
        out[case["case_id"]] = {"account": case["subject"]["account"], **found}
    return out


class _Spy:
    def __init__(self) -> None:
        self.answered = 0


@pytest.fixture
def spy(monkeypatch):
    found = _Spy()
    answer = LinkHelper.answer

    def counting(self, count):
        got = answer(self, count)
        found.answered += got is not None
        return got

    monkeypatch.setattr(LinkHelper, "answer", counting)
    monkeypatch.setattr(link_helper, "HELPER_MIN", 1)
    monkeypatch.setattr(staged_import, "_BATCH", 5)  # many batches
    monkeypatch.setenv(link_helper.ENV, "1")  # whatever the machine's load
    return found


def _wait_ready(monkeypatch) -> None:
    """Make the helper answer from the first batch on (it is asked once it is ready)."""
    start = LinkHelper.start.__func__

    def started(cls, reports, min_length, server_on_host):
        helper = start(cls, reports, min_length, server_on_host)
        if helper is not None:
            line = helper._answers.get(timeout=60)
            helper.ready = line is not None and line.strip() == link_helper._READY
        return helper

    monkeypatch.setattr(LinkHelper, "start", classmethod(started))


def test_the_helper_gives_the_records_link_doc_gives(sessions, tmp_path, spy, monkeypatch):
    _wait_ready(monkeypatch)
    s = sessions("minji")
    path = write_jsonl(tmp_path / "r.jsonl", _rows(240))
    intake.import_reports(s, path)
    assert spy.answered >= 10  # not vacuous: the records came from the helper
    links = _links(s)
    assert links == _expected(s)
    assert sum(bool(d["contacts"]) for d in links.values()) > 40
    assert s.ws.verify().ok


def test_the_same_records_with_and_without_the_helper(sessions, tmp_path, spy, monkeypatch):
    path = write_jsonl(tmp_path / "r.jsonl", _rows(150))
    _wait_ready(monkeypatch)
    a = sessions("minji")
    made = intake.import_reports(a, path).cases_created
    assert spy.answered > 0
    answered = spy.answered
    monkeypatch.setenv(link_helper.ENV, "0")  # inline, into a new workspace
    ws = roster.init_workspace(tmp_path / "inline", "admin")
    b = Session.open(ws, "admin", clock=a.clock)
    inline = intake.import_reports(b, path).cases_created
    assert spy.answered == answered  # the second import did not use it
    helped, own = _links(a), _links(b)

    def records(links: dict[str, dict], ids: tuple[str, ...]) -> list[tuple]:
        return [(links[c]["account"], links[c]["contacts"], links[c]["text_key"]) for c in ids]

    assert len(made) == len(inline) > 100
    assert records(helped, made) == records(own, inline)
    ws.close()


def _fake_helper(monkeypatch, script: str) -> None:
    """A helper process that runs `script` instead of the real one."""
    real = link_helper.subprocess.Popen

    def popen(argv, **kw):
        return real([sys.executable, "-c", script], **kw)

    monkeypatch.setattr(link_helper.subprocess, "Popen", popen)


@pytest.mark.parametrize(
    "script",
    [
        "print('\"ready\"', flush=True)",  # ready, then gone
        "import sys; print('\"ready\"', flush=True); sys.stdin.readline(); print('[[1,2]]')",
        "print('hello', flush=True)",  # not the protocol
        "import sys; print('\"ready\"', flush=True); sys.stdin.readline(); print('[]')",
    ],
)
def test_a_failing_helper_loses_nothing(sessions, tmp_path, spy, monkeypatch, script):
    _fake_helper(monkeypatch, script)
    _wait_ready(monkeypatch)
    s = sessions("minji")
    path = write_jsonl(tmp_path / "r.jsonl", _rows(60))
    result = intake.import_reports(s, path)
    assert result.imported == 60
    assert spy.answered == 0
    links = _links(s)
    assert links == _expected(s)
    assert set(result.cases_created) <= set(links)


def test_small_imports_busy_machines_and_the_switch_start_no_helper(monkeypatch):
    monkeypatch.delenv(link_helper.ENV, raising=False)
    assert LinkHelper.start(link_helper.HELPER_MIN - 1, 24, False) is None
    cores = len(link_helper.os.sched_getaffinity(0))
    monkeypatch.setattr(link_helper.os, "getloadavg", lambda: (cores - 0.4, 0.0, 0.0))
    assert not link_helper.free_core()
    assert LinkHelper.start(link_helper.HELPER_MIN * 10, 24, False) is None  # no core to spare
    monkeypatch.setattr(link_helper.os, "getloadavg", lambda: (cores - 0.9, 0.0, 0.0))
    assert link_helper.free_core()
    # what is left is what a database server on this machine takes during the import
    assert not link_helper.free_core(busy=link_helper.SERVER_SHARE)
    assert LinkHelper.start(link_helper.HELPER_MIN * 10, 24, True) is None
    idle = LinkHelper.start(link_helper.HELPER_MIN, 24, False)
    assert idle is not None
    idle.close()
    monkeypatch.setattr(link_helper.os, "getloadavg", lambda: (cores - 1.0, 0.0, 0.0))
    beside = LinkHelper.start(link_helper.HELPER_MIN, 24, True)  # room for both
    assert beside is not None
    beside.close()
    monkeypatch.setenv(link_helper.ENV, "0")
    assert LinkHelper.start(link_helper.HELPER_MIN * 10, 24, False) is None
    monkeypatch.setattr(link_helper.os, "getloadavg", lambda: (99.0, 0.0, 0.0))
    monkeypatch.setenv(link_helper.ENV, "1")  # whatever the load
    helper = LinkHelper.start(link_helper.HELPER_MIN, 24, False)
    assert helper is not None
    helper.close()
    assert helper.proc.returncode == 0


def test_the_helper_answers_what_extract_batch_computes(monkeypatch):
    """The protocol round trip, on texts with contacts in many forms and regions."""
    monkeypatch.setenv(link_helper.ENV, "1")
    corpus = DistinctCorpus(seed=11)
    items = []
    for n in range(300):
        content, media = corpus.texts()
        items.append((content, media, (content, media, "spam"), ("KR", "US", None, "zz")[n % 4]))
    helper = LinkHelper.start(link_helper.HELPER_MIN, 24, False)
    assert helper is not None
    line = helper._answers.get(timeout=60)
    helper.ready = line is not None and line.strip() == link_helper._READY
    assert helper.ask(items)
    got = helper.answer(len(items))
    helper.close()
    assert got == extract_batch(items, 24)
    assert sum(bool(e.contacts) for e in got) > 60
    assert {e.region for e in got} == {"KR", "US"}  # unknown and none read as KR


def test_unencodable_text_is_extracted_inline(monkeypatch):
    monkeypatch.setenv(link_helper.ENV, "1")
    helper = LinkHelper.start(link_helper.HELPER_MIN, 24, False)
    assert helper is not None
    helper._answers.get(timeout=60)
    helper.ready = True
    assert not helper.ask([("\ud800 lone surrogate", None, (), "KR")])
    assert helper.failed
    assert helper.answer(1) is None


def test_a_refused_file_starts_no_helper(sessions, tmp_path, spy, monkeypatch):
    """The helper starts with the staging, after the whole file is validated: a file
    refused for a bad line (here past the middle of a file validated in two
    processes, services/scan_split.py) never starts one."""
    from appeals_tui.domain.errors import ValidationError
    from appeals_tui.services import scan_split

    monkeypatch.setattr(scan_split, "SPLIT_MIN", 1)
    started: list[int] = []
    start = LinkHelper.start.__func__

    def keep(cls, reports, min_length, server_on_host):
        started.append(reports)
        return start(cls, reports, min_length, server_on_host)

    monkeypatch.setattr(LinkHelper, "start", classmethod(keep))
    rows = _rows(30)
    rows[27]["reported_at"] = "yesterday"
    s = sessions("minji")
    with pytest.raises(ValidationError):
        intake.import_reports(s, write_jsonl(tmp_path / "bad.jsonl", rows))
    assert started == []
    rows[27]["reported_at"] = rows[26]["reported_at"]
    intake.import_reports(s, write_jsonl(tmp_path / "good.jsonl", rows))
    assert started == [30]


def test_a_silent_helper_does_not_hang_the_import(sessions, tmp_path, spy, monkeypatch):
    """A helper that is alive but never answers (stopped, stuck) is stopped after
    ANSWER_WAIT and the import extracts inline: nothing lost, no hang."""
    script = (
        "import sys, time; print('\"ready\"', flush=True); sys.stdin.readline(); time.sleep(600)"
    )
    _fake_helper(monkeypatch, script)
    _wait_ready(monkeypatch)
    monkeypatch.setattr(link_helper, "ANSWER_WAIT", 0.5)
    s = sessions("minji")
    path = write_jsonl(tmp_path / "r.jsonl", _rows(60))
    result = intake.import_reports(s, path)
    assert result.imported == 60
    assert spy.answered == 0
    assert _links(s) == _expected(s)


@pytest.mark.parametrize("pays", [True, False])
def test_the_helper_is_kept_only_when_extracting_costs_more(
    sessions, tmp_path, spy, monkeypatch, pays
):
    """Not forced: the helper answers from the first batch on, and what its answer for the
    second batch cost it decides: HELPER_PAYS µs a report or more, it answers the rest,
    else it is stopped there and the import extracts the rest inline. The records are
    link_doc's either way."""
    monkeypatch.delenv(link_helper.ENV)
    monkeypatch.setattr(link_helper.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(staged_import, "HELPER_PAYS", 0.0 if pays else float("inf"))
    _wait_ready(monkeypatch)
    closed: list[bool] = []
    close = LinkHelper.close

    def noted(self):
        closed.append(True)
        close(self)

    monkeypatch.setattr(LinkHelper, "close", noted)
    s = sessions("minji")
    intake.import_reports(s, write_jsonl(tmp_path / "r.jsonl", _rows(120)))
    assert closed  # one was started (and closed at the end, or after the second batch)
    assert (spy.answered >= 5) is pays and (spy.answered == 2) is not pays
    assert _links(s) == _expected(s)


@pytest.mark.parametrize("pays", [True, False])
def test_a_helper_not_ready_is_judged_by_the_batch_extracted_inline(
    sessions, tmp_path, spy, monkeypatch, pays
):
    """A helper not ready for the second batch: the import extracts that batch itself,
    timed, and keeps the helper for the rest only if that cost HELPER_PAYS µs a report."""
    monkeypatch.delenv(link_helper.ENV)
    monkeypatch.setattr(link_helper.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(staged_import, "HELPER_PAYS", 0.0 if pays else float("inf"))
    asked: list[int] = []
    ask = LinkHelper.ask

    def late(self, items):
        asked.append(len(items))
        if len(asked) <= 2:  # the first two batches: not ready yet
            return False
        if len(asked) == 3:
            line = self._answers.get(timeout=60)
            self.ready = line is not None and line.strip() == link_helper._READY
        return ask(self, items)

    monkeypatch.setattr(LinkHelper, "ask", late)
    s = sessions("minji")
    intake.import_reports(s, write_jsonl(tmp_path / "r.jsonl", _rows(120)))
    assert spy.answered == 0 or pays
    assert (spy.answered >= 5) is pays
    assert _links(s) == _expected(s)


def test_a_file_validated_in_one_process_has_its_helper_started_before(
    sessions, tmp_path, spy, monkeypatch
):
    """Started before validating (ready for the first batch), from the file's size; a
    refused file's helper is stopped (no process left), and so is one started for a
    file that holds fewer than HELPER_MIN reports after all."""
    from appeals_tui.domain.errors import ValidationError
    from appeals_tui.services import report_files

    order: list[str] = []
    helpers: list[LinkHelper] = []
    start = LinkHelper.start.__func__
    scan = report_files.scan_report_file

    def keep(cls, reports, min_length, server_on_host):
        order.append(f"start {reports}")
        helper = start(cls, reports, min_length, server_on_host)
        line = helper._answers.get(timeout=60)  # ready for the first batch
        helper.ready = line is not None and line.strip() == link_helper._READY
        helpers.append(helper)
        return helper

    def scanning(*args, **kwargs):
        order.append("validate")
        return scan(*args, **kwargs)

    monkeypatch.setattr(LinkHelper, "start", classmethod(keep))
    monkeypatch.setattr(intake, "scan_report_file", scanning)
    rows = _rows(30)
    rows[27]["reported_at"] = "yesterday"
    s = sessions("minji")
    with pytest.raises(ValidationError):
        intake.import_reports(s, write_jsonl(tmp_path / "bad.jsonl", rows))
    assert order == ["start 30", "validate"]  # every line of a small file is sampled
    assert helpers[0].proc.returncode == 0  # stopped
    rows[27]["reported_at"] = rows[26]["reported_at"]
    order.clear()
    intake.import_reports(s, write_jsonl(tmp_path / "good.jsonl", rows[:20]))
    assert order == ["start 20", "validate"]
    assert spy.answered > 0
    assert helpers[1].proc.returncode == 0
    monkeypatch.setattr(link_helper, "HELPER_MIN", 25)  # the estimate said 30, there are 24
    order.clear()
    path = write_jsonl(tmp_path / "few.jsonl", _rows(24))
    with path.open("ab") as fh:
        fh.write(b"\n" * 6)  # blank lines count in the estimate, not as reports
    answered = spy.answered
    intake.import_reports(s, path)
    assert order == ["start 30", "validate"]
    assert helpers[2].proc.returncode == 0 and spy.answered == answered
    assert _links(s) == _expected(s)


def test_a_finished_helper_ends_after_its_last_answer(monkeypatch):
    """`finish`: its input is closed after the last request, so it answers and exits by
    itself (the import does not wait for it at the end)."""
    monkeypatch.setenv(link_helper.ENV, "1")
    helper = LinkHelper.start(link_helper.HELPER_MIN, 24, False)
    assert helper is not None
    helper._answers.get(timeout=60)
    helper.ready = True
    items = [("call 010-1234-5678 now", None, ("call 010-1234-5678 now",), "KR")]
    assert helper.ask(items)
    helper.finish()
    assert not helper.ask(items)  # nothing is asked after the end
    assert helper.proc.wait(timeout=60) == 0
    got = helper.answer(1)
    assert got == extract_batch(items, 24)
    assert helper.cost is not None and helper.cost >= 0
    helper.close()
