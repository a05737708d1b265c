"""The link graph kept beside the index files (services/link_state.py), through the real
store and services: a fresh process (a new Workspace handle) that restores it lists
exactly the networks a process reading everything from scratch lists, after writes by
another process, a compaction, a staged import, a crash mid-write, a hand edit, a
planted symlink or a file from a copy of the workspace whose chain went another way.

"From scratch" is a copy of the workspace without the kept file. Each test also checks
which path ran (restored, or rebuilt), and a deliberately wrong catch-up is shown to
fail the same comparison, so the comparison can fail."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from appeals_tui.services import appeals, intake, link_graph, link_state, networks
from appeals_tui.services.cases import claim
from appeals_tui.services.decisions import DecisionDraft, decide
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace
from appeals_tui.store.protocol import ChainHead
from appeals_tui.store.sidecar import DIR
from tests.conftest import PROMO, case_for, factors, report, write_jsonl

LABELLED = factors(depicts_commercial_sex=True, narrative_framing=True)
KEPT = "derived." + link_state.NAME


def _rows(prefix: str, n: int, phone: str, first: int = 1) -> list[dict[str, object]]:
    """`n` accounts posting one phone number (linked), a few plain ones (not)."""
    rows = []
    for i in range(first, first + n):
        text = f"실화 웹툰 {i}화 문의 {phone}" if i % 4 else f"오늘의 메뉴 {i}: 김치찌개와 계란말이"
        rows.append(
            report(
                f"{prefix}-{i}",
                f"{prefix}{i}",
                account=f"{prefix.lower()}_{i % 7}",
                content_text=text,
            )
        )
    return rows


def _import(session: Session, tmp_path: Path, name: str, rows: list[dict[str, object]]) -> None:
    intake.import_reports(session, write_jsonl(tmp_path / f"{name}.jsonl", rows))


def _decide(session: Session, subject: str, action: str) -> None:
    clause, answers = ("CSS-3", PROMO) if action == "remove_content" else ("CSS-8", LABELLED)
    decide(
        session,
        case_for(session, subject),
        DecisionDraft(
            action,
            [clause],
            dict(answers),
            "The comic gives a phone number to book.",
            divergence_reason="Decided apart from the network on purpose for this test.",
        ),
    )


def _listed(path: Path, clock) -> list[dict[str, object]]:
    """What a fresh process's `list_networks` says (a new handle: no graph in memory)."""
    ws = Workspace.open(path)
    try:
        lead = Session.open(ws, "seoyeon", clock=clock)
        return [n.to_dict(None) for n in networks.list_networks(lead)]
    finally:
        ws.close()


def _scratch(path: Path, tmp_path: Path, clock) -> list[dict[str, object]]:
    """The same, computed from the records alone (a copy without the kept graph)."""
    copy = tmp_path / f"scratch-{len(list(tmp_path.glob('scratch-*')))}"
    shutil.copytree(path, copy, symlinks=True)
    for kept in (copy / DIR).glob(f"*{KEPT}*"):
        kept.unlink()
    return _listed(copy, clock)


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts graphs read from `case_links` (0: the kept graph was restored)."""
    count: list[int] = []
    real = link_graph.LinkGraph._rebuild

    def counted(self, store):  # type: ignore[no-untyped-def]
        count.append(1)
        return real(self, store)

    monkeypatch.setattr(link_graph.LinkGraph, "_rebuild", counted)
    yield count


def _head(path: Path) -> ChainHead:
    with Workspace.open(path) as ws:
        return ws.head()


def _kept(path: Path) -> Path:
    (found,) = (path / DIR).glob(f"*{KEPT}")
    return found


@pytest.fixture
def linked(sessions, tmp_path: Path, ws_path: Path, clock) -> Path:
    """A workspace with two networks, decisions that disagree, a kept graph."""
    lead = sessions("seoyeon")
    _import(lead, tmp_path, "a", _rows("A", 12, "010-4827-1936"))
    _import(lead, tmp_path, "b", _rows("B", 8, "텔레그램 @cafe_vip"))
    minji, daniel = sessions("minji"), sessions("daniel")
    _decide(minji, "A1", "remove_content")
    _decide(daniel, "A2", "label")
    networks.list_networks(lead)  # keeps the graph
    return ws_path


def test_a_fresh_process_restores_the_graph_and_lists_what_scratch_lists(
    linked: Path, tmp_path: Path, clock, rebuilds: list[int]
) -> None:
    assert _kept(linked).stat().st_mode & 0o077 == 0  # private, like the index files
    got = _listed(linked, clock)
    assert not rebuilds  # restored, not read again
    assert got == _scratch(linked, tmp_path, clock)
    assert any(n["inconsistent"] for n in got) and len(got) == 2


def test_writes_by_other_processes_are_caught_up(
    linked: Path, sessions, tmp_path: Path, clock, rebuilds: list[int]
) -> None:
    other = Workspace.open(linked)  # another process, writing after the graph was kept
    try:
        minji = Session.open(other, "minji", clock=clock)
        _import(minji, tmp_path, "c", _rows("C", 6, "010-4827-1936"))  # joins network A
        _import(
            minji,
            tmp_path,
            "d",
            [report("D-1", "D1", account="b_3", content_text="문의 010-4827-1936")],
        )
        _decide(minji, "A3", "label")  # a fact that changed
        claim(minji, case_for(minji, "B1"))  # a status that changed
        first = minji.ws.get("cases", case_for(minji, "A1"))["decision_id"]
        appeal = appeals.file_appeal(minji, first, "The number is not a booking line.")
        appeals.resolve_appeal(  # the standing decision of A1 becomes no_action
            Session.open(other, "daniel", clock=clock),
            appeal.appeal_id,
            "overturned",
            "The number belongs to an unrelated shop; no contact means.",
        )
    finally:
        other.close()
    got = _listed(linked, clock)
    assert not rebuilds  # caught up from the chain
    assert got == _scratch(linked, tmp_path, clock)
    assert any(a.startswith("c_") for n in got for a in n["accounts"])
    assert any("no_action" in n["decisions_by_action"] for n in got)  # the overturn


def test_a_deliberately_wrong_catch_up_fails_the_comparison(
    linked: Path, tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above can fail: trusting the kept graph without catching up."""
    other = Workspace.open(linked)
    try:
        _decide(Session.open(other, "minji", clock=clock), "A3", "label")
    finally:
        other.close()

    def trusting(self, store):  # type: ignore[no-untyped-def]
        head = store.head()
        self.seq, self.hash = head.seq, head.hash
        return True

    with monkeypatch.context() as m:
        m.setattr(link_graph.LinkGraph, "catch_up", trusting)
        wrong = _listed(linked, clock)
    assert wrong != _scratch(linked, tmp_path, clock)


def test_compaction_and_staged_imports_carry_the_graph(
    linked: Path, sessions, tmp_path: Path, clock, rebuilds: list[int], monkeypatch
) -> None:
    ws = Workspace.open(linked)
    ws.compact()  # a new snapshot: the kept graph is carried over as it is
    ws.close()
    got = _listed(linked, clock)
    assert not rebuilds
    assert got == _scratch(linked, tmp_path, clock)
    from appeals_tui.store import staging

    monkeypatch.setattr(staging, "SMALL_BYTES", 0)  # every import publishes a new snapshot
    ws = Workspace.open(linked)
    try:
        _import(
            Session.open(ws, "minji", clock=clock), tmp_path, "e", _rows("E", 30, "카톡 yk_1936")
        )
    finally:
        ws.close()
    rebuilds.clear()
    got = _listed(linked, clock)
    assert not rebuilds
    assert got == _scratch(linked, tmp_path, clock)
    assert any(a.startswith("e_") for n in got for a in n["accounts"])


def test_a_file_cut_short_or_damaged_is_rebuilt(
    linked: Path, tmp_path: Path, clock, rebuilds: list[int]
) -> None:
    """A crash mid-write leaves the old file or a temp file (rename); a file cut short
    or with a byte changed by hand fails its size or checksum and is read again."""
    kept = _kept(linked)
    whole = kept.read_bytes()
    expected = _scratch(linked, tmp_path, clock)
    for damaged in (
        whole[: len(whole) // 2],
        whole.replace(b'"remove_content"', b'"label"', 1),  # a fact edited by hand
        whole.replace(b'"remove_content"', b'"restrict_reac"', 1),  # same length
    ):
        assert damaged != whole
        kept.write_bytes(damaged)
        (kept.parent / f".{kept.name}.abc123.tmp").write_bytes(whole[:100])  # a killed write
        rebuilds.clear()
        assert _listed(linked, clock) == expected
        assert rebuilds == [1]
    assert _kept(linked).read_bytes() != damaged  # kept again, whole


def test_a_planted_symlink_is_not_followed(
    linked: Path, tmp_path: Path, clock, rebuilds: list[int]
) -> None:
    kept = _kept(linked)
    outside = tmp_path / "outside"
    outside.write_bytes(kept.read_bytes())
    kept.unlink()
    kept.symlink_to(outside)
    got = _listed(linked, clock)
    assert rebuilds == [1]
    assert got == _scratch(linked, tmp_path, clock)
    kept = _kept(linked)  # kept again, a file
    assert not kept.is_symlink()
    kept.unlink()
    os.mkfifo(kept)  # would block a reader forever
    rebuilds.clear()
    got = _listed(linked, clock)
    assert rebuilds == [1]
    assert got == _scratch(linked, tmp_path, clock)


def test_a_graph_from_a_copy_whose_chain_went_another_way_is_not_used(
    linked: Path, tmp_path: Path, clock, rebuilds: list[int]
) -> None:
    """Two copies of one workspace get different writes of the same length: the same
    snapshot, so the same file name and a valid checksum, but another chain."""
    twin = tmp_path / "twin"
    shutil.copytree(linked, twin)
    for path, subject in ((linked, "A5"), (twin, "A6")):
        ws = Workspace.open(path)
        try:
            _decide(Session.open(ws, "minji", clock=clock), subject, "label")
            networks.list_networks(Session.open(ws, "seoyeon", clock=clock))  # keeps it
        finally:
            ws.close()
    assert _head(twin).seq == _head(linked).seq and _head(twin) != _head(linked)
    shutil.copyfile(_kept(twin), _kept(linked))  # the twin's graph planted here
    rebuilds.clear()
    got = _listed(linked, clock)
    assert rebuilds == [1]
    assert got == _scratch(linked, tmp_path, clock)
    assert got != _listed(twin, clock)


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.update(account_ends=[e + 1 for e in s["account_ends"]]),
        lambda s: s.update(case_account=[-1 for _ in s["case_account"]]),
        lambda s: s.update(cases=[s["cases"][0]] * len(s["cases"])),
        lambda s: s.update(status=s["status"][:-1]),
        lambda s: s.update(keys=[123 for _ in s["keys"]]),
        lambda s: s.update(code="another build"),
        lambda s: s.pop("texts"),
    ],
)
def test_a_kept_graph_that_save_graph_would_not_write_is_rebuilt(
    linked: Path, tmp_path: Path, clock, rebuilds: list[int], edit
) -> None:
    """Written through the store (a valid checksum): the content itself is checked."""
    import orjson

    with Workspace.open(linked) as ws:
        state = orjson.loads(ws.load_derived(link_state.NAME) or b"{}")
        edit(state)
        ws.save_derived(link_state.NAME, orjson.dumps(state))
    got = _listed(linked, clock)
    assert rebuilds == [1]
    assert got == _scratch(linked, tmp_path, clock)
