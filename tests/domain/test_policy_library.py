from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from appeals_tui.domain.errors import NotFound, ValidationError
from appeals_tui.domain.models import FACTORS, Action, ClauseRef
from appeals_tui.paths import data_dir
from appeals_tui.store.shipped import load_default, load_library

REQUIRED_IDS = {
    "CSS-0",
    "CSS-1",
    "CSS-2",
    "CSS-3",
    "CSS-4",
    "CSS-5",
    "CSS-6",
    "CSS-7",
    "CSS-8",
    "KR-1",
}
ACTIONS = {a.value for a in Action}


def test_shipped_library_loads(lib):
    assert lib.library_version
    assert {c.id for c in lib.all_latest()} == REQUIRED_IDS
    assert [c.id for c in lib.all_latest()] == sorted(REQUIRED_IDS)
    assert list(lib.factors) == list(FACTORS)
    assert all(f.question and f.help for f in lib.factors.values())
    assert load_default() is load_default()


def test_every_clause_actions_are_known_actions(lib):
    for cid in lib.ids():
        for c in lib.versions(cid):
            assert set(c.actions_allowed) <= ACTIONS, c
            assert c.examples_covered and c.examples_not_covered, c.id


def test_violating_clauses_allow_escalate_and_non_violating_have_no_strike(lib):
    for c in lib.all_latest():
        if c.strike_weight > 0:
            assert "escalate" in c.actions_allowed, c.id
    assert lib.latest("CSS-0").strike_weight == 0
    assert lib.latest("CSS-7").strike_weight == 0
    assert set(lib.latest("CSS-0").actions_allowed) == {"no_action", "label"}


def test_versioning_keeps_old_versions(lib):
    v = lib.versions("CSS-4")
    assert [c.version for c in v] == [1, 2]
    assert lib.latest("CSS-4").version == 2
    assert lib.get("CSS-4", 1).text != lib.get("CSS-4", 2).text
    assert lib.get("CSS-4", 1).effective_from < lib.get("CSS-4", 2).effective_from
    assert lib.latest("css-4 ").ref() == ClauseRef("CSS-4", 2)


def test_unknown_clause_lists_known(lib):
    with pytest.raises(NotFound) as e:
        lib.latest("CSS-99")
    assert "unknown clause 'CSS-99'; known: CSS-0, CSS-1" in str(e.value)
    with pytest.raises(NotFound, match="no version 7"):
        lib.get("CSS-4", 7)


def test_kr_clause_and_jurisdictions(lib):
    kr = lib.latest("KR-1")
    assert kr.jurisdiction == "KR" and "성매매알선" in kr.legal_basis
    assert lib.promotion_illegal_in() == {"KR"}
    assert lib.local_law_clause("kr") == kr
    assert lib.local_law_clause("DE") is None


def test_search(lib):
    assert [c.id for c in lib.search("css-3")][0] == "CSS-3"
    ids = [c.id for c in lib.search("RECRUIT")]
    assert ids[0] == "CSS-5"
    assert lib.search("룸살롱")  # Korean text is searchable
    assert lib.search("zzzz-nothing") == []
    assert all(c.version == lib.latest(c.id).version for c in lib.search("narrative"))


def test_check_action(lib):
    lib.check_action("remove_content", ["CSS-3"])
    lib.check_action("geo_block", ["CSS-4", "KR-1"])
    lib.check_action("label", [{"id": "CSS-4", "version": 1}])
    with pytest.raises(ValidationError, match="unknown action 'ban'"):
        lib.check_action("ban", ["CSS-3"])
    with pytest.raises(ValidationError, match="not allowed by CSS-4 v2"):
        lib.check_action("suspend_account", ["CSS-4"])
    with pytest.raises(ValidationError, match="unknown clause"):
        lib.check_action("label", ["NOPE-1"])
    with pytest.raises(ValidationError, match="at least one clause"):
        lib.check_action("label", [])


# ---------------------------------------------------------------- invalid libraries


@pytest.fixture
def libdir(tmp_path: Path) -> Path:
    dst = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", dst)
    return dst


def _edit(folder: Path, name: str, fn) -> None:
    p = folder / name
    data = json.loads(p.read_text(encoding="utf-8"))
    fn(data)
    p.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _problems(folder: Path) -> list[str]:
    with pytest.raises(ValidationError) as e:
        load_library(folder)
    return e.value.problems


def test_copy_loads(libdir):
    assert load_library(libdir).latest("CSS-4").version == 2


def test_duplicate_id_version(libdir):
    _edit(libdir, "clauses.json", lambda d: d["clauses"].append(dict(d["clauses"][1])))
    probs = _problems(libdir)
    assert any(
        p.startswith("clauses.json: ") and "duplicate clause CSS-1 version 1" in p for p in probs
    ), probs


def test_version_gap(libdir):
    def bump(d):
        for c in d["clauses"]:
            if c["id"] == "CSS-4" and c["version"] == 2:
                c["version"] = 3

    _edit(libdir, "clauses.json", bump)
    probs = _problems(libdir)
    assert any("CSS-4: version gap, missing version(s) 2" in p for p in probs), probs


def test_unknown_action(libdir):
    _edit(
        libdir, "clauses.json", lambda d: d["clauses"][2]["actions_allowed"].append("ban_forever")
    )
    probs = _problems(libdir)
    assert any("clauses[2] (CSS-2 v1): unknown action 'ban_forever'" in p for p in probs), probs


def test_missing_field(libdir):
    _edit(libdir, "clauses.json", lambda d: d["clauses"][0].pop("title"))
    assert any("missing field 'title'" in p for p in _problems(libdir))


def test_rule_names_missing_clause_and_unknown_factor(libdir):
    def edit(d):
        d["rules"][0]["clause"] = "CSS-42"
        d["rules"][1]["when"] = {"all": ["recruitment", "is_spicy"]}
        d["rules"][2]["when"] = {"xor": ["a"]}

    _edit(libdir, "rubric.json", edit)
    probs = _problems(libdir)
    assert any(
        p.startswith("rubric.json: rules[0] (R1)") and "missing clause 'CSS-42'" in p for p in probs
    )
    assert any("rules[1] (R2): when.all[1]: unknown factor 'is_spicy'" in p for p in probs), probs
    assert any("unknown operator 'xor'" in p for p in probs), probs


def test_rubric_needs_catch_all(libdir):
    _edit(libdir, "rubric.json", lambda d: d["rules"].pop())
    assert any("no rule matches the profile" in p for p in _problems(libdir))


def test_override_to_missing_local_law(libdir):
    _edit(libdir, "clauses.json", lambda d: d["clauses"].pop())  # drop KR-1
    probs = _problems(libdir)
    assert any("no local-law clause" in p for p in probs), probs
    assert any(p.startswith("sor.json: clauses.KR-1") for p in probs), probs


def test_bad_json_names_line(libdir):
    p = libdir / "rubric.json"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",,"
    p.write_text("\n".join(lines), encoding="utf-8")
    probs = _problems(libdir)
    assert any(p.startswith("rubric.json: line 4 ") and "invalid JSON" in p for p in probs), probs


def test_every_problem_reported_at_once(libdir):
    _edit(libdir, "clauses.json", lambda d: d["clauses"][2]["actions_allowed"].append("zap"))
    _edit(libdir, "rubric.json", lambda d: d["factors"].pop("glamorization"))
    _edit(libdir, "sor.json", lambda d: d["actions"]["label"].update(decision_visibility=["NOPE"]))
    probs = _problems(libdir)
    files = {p.split(":")[0] for p in probs}
    assert files == {"clauses.json", "rubric.json", "sor.json"}, probs


def test_missing_file(libdir):
    (libdir / "sor.json").unlink()
    assert "sor.json: file missing" in _problems(libdir)


def test_shipped_similarity_weights(lib):
    w = lib.similarity
    no_total = sum(w.shared_no)
    assert set(w.decisive) == {
        "minors_indicated",
        "recruitment",
        "contact_means",
        "pricing_or_booking",
    }
    for name in w.decisive:
        assert w.to_dict()["shared_yes"][name] > no_total
    assert w.clause_family > 0 and w.jurisdiction > 0
    assert lib.family_of("kr-1") == "LOCAL-LAW" and lib.family_of("CSS-4") == "CSS"


def test_similarity_weights_validated_with_every_problem_named(libdir):
    def edit(d):
        sim = d["similarity"]
        sim["shared_yes"]["contact_means"] = 5  # no longer outweighs the ten shared no's
        sim["shared_yes"]["glamorization"] = -1
        sim["shared_no"].pop("recruitment")
        sim["shared_no"]["is_spicy"] = 1
        sim["jurisdiction"] = "high"
        sim["decisive"].append("vibes")

    _edit(libdir, "rubric.json", edit)
    probs = _problems(libdir)
    pre = "rubric.json: similarity"
    assert f"{pre}.shared_yes.glamorization: must be a positive number, got -1" in probs, probs
    assert f"{pre}.shared_no.recruitment: missing" in probs
    assert any(p.startswith(f"{pre}.shared_no.is_spicy: unknown factor") for p in probs)
    assert f"{pre}.jurisdiction: must be a number >= 0, got 'high'" in probs
    assert f"{pre}.decisive: unknown factor 'vibes'" in probs


def test_decisive_yes_must_outweigh_the_shared_nos(libdir):
    _edit(libdir, "rubric.json", lambda d: d["similarity"]["shared_yes"].update(contact_means=9))
    probs = _problems(libdir)
    assert probs == [
        "rubric.json: similarity.shared_yes.contact_means: a decisive factor's shared yes (9) "
        "must outweigh all shared no's together (10)"
    ]


def test_similarity_section_required(libdir):
    _edit(libdir, "rubric.json", lambda d: d.pop("similarity"))
    assert _problems(libdir) == ["rubric.json: similarity: missing or not an object"]
