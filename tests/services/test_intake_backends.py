"""One report file imported into the embedded store and into PostgreSQL gives the same records.

Why: the PostgreSQL import writes its records as pre-encoded COPY lines, sent from a
thread of its own in batches (store/postgres/copytext.py, staging.py); the embedded
store writes its snapshot lines. Whatever either does to go fast, the cases, reports,
case links and audit events an import makes must be the same, and `verify` must pass.
"""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.services import intake, staged_import
from appeals_tui.services.session import Session
from appeals_tui.store.factory import open_store
from appeals_tui.store.postgres import staging as pg_staging
from appeals_tui.store.transfer import transfer
from tests.conftest import report, write_jsonl

TABLES = ("cases", "reports")


@pytest.fixture
def both(sessions, pg_cluster):
    """(embedded session, PostgreSQL session) holding the same workspace."""
    from pgserver import create_database, drop_database

    embedded = sessions("minji")
    name = create_database(pg_cluster)
    transfer(embedded.ws.location, pg_cluster.url(name))
    store = open_store(pg_cluster.url(name))
    pg = Session(ws=store, user=embedded.user, library=embedded.library, clock=embedded.clock)
    yield embedded, pg
    store.close()
    drop_database(pg_cluster, name)


def _records(session: Session) -> dict[str, dict[str, dict]]:
    return {t: {d[next(iter(d))]: d for d in session.ws.query(t).rows} for t in TABLES}


def _events(session: Session, since: int) -> list[tuple[str, str, dict]]:
    return [(e["type"], e["entity"], e["payload"]) for e in session.ws.events(since)]


def test_an_import_stores_the_same_records_on_both_backends(both, tmp_path, monkeypatch):
    embedded, pg = both
    monkeypatch.setattr(pg_staging, "BATCH", 7)  # many batches through the sending thread
    monkeypatch.setattr(staged_import, "_BATCH", 3)  # many looked up ahead by a thread
    hostile = '탭\t줄바꿈\n역슬래시\\ 따옴표" \x01표시 NUL\x00 끝 010-4827-1936'
    rows = [
        report("I-1", "S1", content_text=hostile),  # joins the open case of S1
        report("I-2", "S1", followers=99_000_000),
        *(report(f"I-{n}", f"NEW{n % 9}", account=f"acct_{n % 5}") for n in range(3, 40)),
        report("I-40", "NEW1", content_text="\\N", media_description="\\.", url="http://x/\t"),
        report("R-1", "S1"),  # imported before with the same content: skipped
    ]
    path = write_jsonl(tmp_path / "batch.jsonl", rows)
    seq = [s.ws.head().seq for s in both]
    results = [intake.import_reports(s, path).to_dict() for s in both]
    assert results[0] == results[1]
    assert results[0]["imported"] == 40 and results[0]["skipped"] == 1
    got, want = _records(pg), _records(embedded)
    for table in TABLES:
        assert sorted(got[table]) == sorted(want[table]), table
        for key, doc in want[table].items():
            assert got[table][key] == doc, (table, key)
    assert _events(pg, seq[1]) == _events(embedded, seq[0])
    assert pg.ws.verify().ok and embedded.ws.verify().ok


def test_a_refused_import_changes_nothing_on_postgresql(both, tmp_path, monkeypatch):
    _, pg = both
    monkeypatch.setattr(pg_staging, "BATCH", 3)
    before = _records(pg), pg.ws.head()
    rows = [report(f"J-{n}", f"NEW{n}") for n in range(20)]
    rows.append(report("R-1", "S1", content_text="different from the first import"))
    with pytest.raises(ValidationError) as err:
        intake.import_reports(pg, write_jsonl(tmp_path / "bad.jsonl", rows))
    assert "bad.jsonl:21: report_id: 'R-1'" in " ".join(err.value.problems)
    assert (_records(pg), pg.ws.head()) == before
    assert pg.ws.verify().ok


def test_the_extraction_helper_gives_both_backends_the_same_links(both, tmp_path, monkeypatch):
    """With the helper process answering (services/link_helper.py), an import stores the
    records it stores without it, on both backends."""
    from appeals_tui.services import link_helper, staged_import
    from tests.services.test_link_helper import _rows, _wait_ready

    _wait_ready(monkeypatch)  # answers from the first batch on
    monkeypatch.setattr(link_helper, "HELPER_MIN", 1)
    monkeypatch.setattr(staged_import, "_BATCH", 4)
    monkeypatch.setenv(link_helper.ENV, "1")  # whatever the machine's load
    answered: list[bool] = []
    answer = link_helper.LinkHelper.answer

    def counting(self, count):
        got = answer(self, count)
        answered.append(got is not None)
        return got

    monkeypatch.setattr(link_helper.LinkHelper, "answer", counting)
    path = write_jsonl(tmp_path / "distinct.jsonl", _rows(120))
    for session in both:
        intake.import_reports(session, path)
    assert any(answered)
    embedded, pg = both
    got, want = _records(pg), _records(embedded)
    assert got["cases"] == want["cases"]
    assert sum(bool(d["contacts"]) for d in want["cases"].values()) > 20
    assert pg.ws.count("case_links") == embedded.ws.count("case_links") == 0
    assert pg.ws.verify().ok and embedded.ws.verify().ok
