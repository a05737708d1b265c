"""Clauses carry title and text in every notice language (en, ko), checked at load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.paths import data_dir
from appeals_tui.store.shipped import load_default, load_library


def test_every_shipped_clause_version_has_english_and_korean():
    library = load_default()
    for cid in library.ids():
        for clause in library.versions(cid):
            assert set(clause.titles) >= {"en", "ko"} and set(clause.texts) >= {"en", "ko"}
            assert clause.title == clause.titles["en"] and clause.text == clause.texts["en"]
            assert clause.title_in("ko") != clause.title  # really translated
            assert any("\uac00" <= ch <= "\ud7a3" for ch in clause.text_in("ko"))
    assert library.latest("KR-1").title_in("ko").startswith("한국:")
    assert library.latest("CSS-4").title_in("fr") == library.latest("CSS-4").title  # fallback


@pytest.fixture
def libdir(tmp_path: Path) -> Path:
    dst = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", dst)
    return dst


def _edit(folder: Path, fn) -> None:
    p = folder / "clauses.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    fn(data)
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_missing_or_empty_language_is_named_with_its_clause(libdir):
    def edit(d):
        del d["clauses"][3]["title"]["ko"]  # CSS-3 v1
        d["clauses"][5]["text"]["en"] = "  "  # CSS-4 v2
        d["clauses"][0]["text"] = "No violation (a plain string)"
        d["clauses"][1]["title"]["EN"] = "shouting"

    _edit(libdir, edit)
    with pytest.raises(ValidationError) as err:
        load_library(libdir)
    problems = err.value.problems
    assert "clauses.json: clauses[3] (CSS-3 v1): title: missing the 'ko' version" in problems
    assert (
        "clauses.json: clauses[5] (CSS-4 v2): text: the 'en' version is empty or not a string"
        in problems
    )
    assert "clauses.json: clauses[0] (CSS-0 v1): field 'text' has the wrong type" in problems
    assert (
        "clauses.json: clauses[1] (CSS-1 v1): title: 'EN' is not a language code like 'en' or 'ko'"
        in problems
    )
