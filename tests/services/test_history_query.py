"""History filters become store filters; on the embedded backend a filter no index
answers runs as a `tinydb.Query` through TinyDB's `Table.search`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tinydb.queries import QueryInstance

from appeals_tui.domain.models import Decision
from appeals_tui.services.history import HistoryFilter, history, iter_history
from appeals_tui.store.table import JournalTable
from tests.leads_data import seed_known


@pytest.fixture
def lead(sessions):
    seoyeon = sessions("seoyeon")
    seed_known(seoyeon.ws)
    return seoyeon


def ids(rows) -> list[str]:
    """Decision ids of stored documents (what TinyDB's search returns)."""
    return [d["decision_id"] for d in rows]


def read_ids(decisions: list[Decision] | Iterator[Decision]) -> list[str]:
    """Decision ids of the service's read models (typed: a dict here fails)."""
    out = []
    for d in decisions:
        assert isinstance(d, Decision)
        out.append(d.decision_id)
    return out


def test_a_history_filter_is_answered_by_a_tinydb_query(lead, monkeypatch) -> None:
    searches = []
    search = JournalTable.search

    def spy(table: JournalTable, cond):
        found = search(table, cond)
        searches.append((table.name, cond, ids(found)))
        return found

    monkeypatch.setattr(JournalTable, "search", spy)
    flt = HistoryFilter.parse("GLAMORIZES factor:contact_means=no since:2026-11-05")
    page = history(lead, flt)
    assert read_ids(page.items) == ["D5", "D4", "D3"] and page.total == 3
    (table, cond, found), *_ = searches
    assert table == "decisions"
    assert isinstance(cond, QueryInstance)  # TinyDB's query type, ANDed from three filters
    assert found == ["D3", "D4", "D5"]  # TinyDB returned them in table order
    everything = lead.ws.query("decisions").rows
    assert [d["decision_id"] for d in everything if cond(d)] == found


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("", ["D7", "D6", "D5", "D4", "D3", "D2", "D1"]),
        ("current", ["D7", "D5", "D4", "D3", "D2"]),
        ("moderator:daniel", ["D6", "D4", "D3"]),
        ("clause:kr-1", ["D3"]),
        ("action:restrict_reach", ["D7", "D2"]),
        ("outcome:overturned", ["D1"]),
        ("outcome:none", ["D7", "D5", "D4", "D3"]),
        ("outcome:pending", ["D3"]),
        ("factor:contact_means=yes", ["D7", "D6"]),
        ("since:2026-11-10 until:2026-11-12", ["D4", "D3"]),
        ("acct_d4", ["D4"]),
        ("moderator:daniel cumulative", ["D4"]),
    ],
)
def test_each_filter(lead, query: str, want: list[str]) -> None:
    flt = HistoryFilter.parse(query)
    assert read_ids(history(lead, flt, limit=100).items) == want
    assert read_ids(iter_history(lead, flt)) == want
