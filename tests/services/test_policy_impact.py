"""A policy draft's impact on the demo, computed before anything changes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from appeals_tui.domain.errors import PermissionDenied, ValidationError
from appeals_tui.paths import data_dir
from appeals_tui.services import demo
from appeals_tui.services.policy_impact import MAX_DRAFT_BYTES, load_draft, policy_impact
from appeals_tui.services.session import Session
from appeals_tui.store import Workspace

DRAFT = data_dir() / "policy" / "drafts" / "glamorizing-narrative-remove.json"


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "ws"
    demo.build_demo(path)
    ws = Workspace.open(path)
    yield ws
    ws.close()


def _subject(ws, decision_id):
    return ws.get("cases", ws.get("decisions", decision_id)["case_id"])["subject"]["subject_id"]


def test_moving_glamorizing_narrative_to_remove_shows_exactly_the_decisions_expected(demo_ws):
    lead = Session.open(demo_ws, "seoyeon")
    before = demo_ws.head()
    impact = policy_impact(lead, DRAFT)
    # outside Korea (where the override geo-blocks) the two standing narrative +
    # glamorization decisions: the US restrict_reach and the GB label
    assert sorted(_subject(demo_ws, d) for d in impact.affected) == ["C9hJ7wLd3Pf", "C9nS4xKe8Yh"]
    assert [(g.old_action, g.new_action, g.new_clause, g.count) for g in impact.groups] == [
        ("label", "remove_content", "CSS-4", 1),
        ("restrict_reach", "remove_content", "CSS-4", 1),
    ]
    assert impact.per_clause == {"CSS-4": 1, "CSS-8": 1}
    assert sum(impact.per_moderator.values()) == 2
    assert impact.standing == 24 and impact.to_version == "2026.12-draft"
    assert demo_ws.head() == before  # nothing written


def test_moderators_may_not(demo_ws):
    with pytest.raises(PermissionDenied):
        policy_impact(Session.open(demo_ws, "minji"), DRAFT)


def test_an_invalid_draft_names_every_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"library_version": "2026.06-1", "rules": 3, "x": 1}))
    with pytest.raises(ValidationError) as err:
        load_draft(bad)
    assert err.value.problems == [
        "bad.json: x: unknown key; known: clauses, description, library_version, rules, similarity",
        "bad.json: library_version: '2026.06-1' is the current version; name a new one",
        "bad.json: rules: must be a list",
    ]
    draft = json.loads(DRAFT.read_text(encoding="utf-8"))
    draft["clauses"][0]["actions_allowed"] = ["label"]  # R6 now removes under CSS-4
    draft["similarity"] = {"decisive": []}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_draft(broken)
    problems = err.value.problems
    assert any(
        "rules[5] (R6): action 'remove_content' is not allowed by clause CSS-4" in p
        for p in problems
    ), problems
    assert any(p.startswith("broken.json -> rubric.json: similarity") for p in problems), problems
    missing = tmp_path / "nope.json"
    with pytest.raises(ValidationError, match="no such draft file"):
        load_draft(missing)


def test_a_refusal_names_the_role_with_its_article(demo_ws):
    with pytest.raises(PermissionDenied, match=r"^admin is an admin; only leads may "):
        policy_impact(Session.open(demo_ws, "admin"), DRAFT)
    with pytest.raises(PermissionDenied, match=r"^minji is a moderator; only leads may "):
        policy_impact(Session.open(demo_ws, "minji"), DRAFT)


def test_a_draft_path_that_is_no_small_text_file_is_refused_before_reading(tmp_path, demo_ws):
    """/dev/zero grew until the kernel killed the process; a FIFO hung it forever."""
    fifo = tmp_path / "draft.fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_DRAFT_BYTES + 1))
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"description": "caf\xe9"}')
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000, encoding="utf-8")
    for path, problem in (
        (Path("/dev/zero"), "not a regular file"),
        (fifo, "not a regular file"),
        (tmp_path, "not a regular file"),
        (big, f"over the {MAX_DRAFT_BYTES:,}-byte limit for a draft file"),
        (latin, "not UTF-8 text (byte 20 of the draft file)"),
        (deep, "cannot read"),
    ):
        with pytest.raises(ValidationError) as err:
            load_draft(path)
        assert len(err.value.problems) == 1 and problem in err.value.problems[0], path
    lead = Session.open(demo_ws, "seoyeon")
    with pytest.raises(ValidationError, match="not a regular file"):
        policy_impact(lead, Path("/dev/zero"))


def test_a_draft_version_name_is_a_short_printable_name(tmp_path):
    """A draft named "\x1b[31mEVIL…" plus 300 characters was published, then recorded on
    every later decision and shown in every list."""
    draft = json.loads(DRAFT.read_text(encoding="utf-8"))
    for bad in ("\x1b[31mEVIL", "v" * 65, " 2027.01-1", "2027\n01"):
        draft["library_version"] = bad
        path = tmp_path / "named.json"
        path.write_text(json.dumps(draft), encoding="utf-8")
        with pytest.raises(ValidationError) as err:
            load_draft(path)
        assert err.value.problems == [
            "named.json: library_version: at most 64 printable characters, no leading or "
            "trailing space (e.g. 2027.01-1)"
        ], bad
    draft["library_version"] = "2027 Q1 (draft 2)"
    path.write_text(json.dumps(draft), encoding="utf-8")
    assert load_draft(path).library.library_version == "2027 Q1 (draft 2)"
