from __future__ import annotations

import pytest

from appeals_tui.domain.models import Action
from appeals_tui.domain.sor import (
    REQUIRED_FIELDS,
    content_type_for,
    out_of_scope_reason,
    statement_of_reasons,
)
from appeals_tui.domain.sor_rules import validate_statement


def case(**kw):
    base = {
        "case_id": "C-1",
        "subject": {
            "platform": "instagram",
            "subject_type": "post",
            "subject_id": "p1",
            "account": "acct",
        },
        "content_text": "실화 바탕 이야기",
        "media_description": "comic panels",
        "jurisdiction": "DE",
        "first_reported_at": "2026-03-01T10:00:00+09:00",
    }
    base.update(kw)
    return base


def decision(action, *clauses, **kw):
    d = {
        "decision_id": "D-0001",
        "case_id": "C-1",
        "action": action,
        "clauses": [{"id": c, "version": v} for c, v in clauses],
        "reasoning": "Comic glamorizes salon work with gifts from clients; no contact details.",
        "decided_at": "2026-03-02T09:00:00+00:00",
    }
    d.update(kw)
    return d


EXPORTABLE = {
    "label": ("CSS-8", 1),
    "restrict_reach": ("CSS-4", 2),
    "geo_block": ("KR-1", 1),
    "remove_content": ("CSS-3", 1),
    "suspend_account": ("CSS-5", 1),
}


def test_mapping_covers_every_action(lib):
    for a in Action:
        assert lib.sor.exported(a.value) == (a.value not in ("no_action", "escalate"))
    assert lib.sor.taxonomy_version


@pytest.mark.parametrize("action", sorted(EXPORTABLE))
def test_required_fields_for_each_exportable_action(lib, action):
    s = statement_of_reasons(decision(action, EXPORTABLE[action]), case(), lib)
    assert s is not None
    for f in REQUIRED_FIELDS:
        assert s.get(f), f
    assert s.get("decision_visibility") or s.get("decision_account")
    vocab = lib.sor.vocabulary
    for v in s.get("decision_visibility", []):
        assert v in vocab["decision_visibility"]
    if "decision_account" in s:
        assert s["decision_account"] in vocab["decision_account"]
    assert s["category"] in vocab["category"]
    assert all(k in vocab["category_specification"] for k in s.get("category_specification", []))
    if s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT":
        assert s["illegal_content_legal_ground"] and s["illegal_content_explanation"]
        assert "incompatible_content_ground" not in s
    else:
        assert s["incompatible_content_ground"] and s["incompatible_content_explanation"]
        assert "illegal_content_legal_ground" not in s
    assert s["puid"] == "D-0001"
    assert s["decision_facts"].startswith("Comic glamorizes")
    assert s["automated_detection"] == "No"
    assert s["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert s["source_type"] == "SOURCE_ARTICLE_16"
    assert s["application_date"] == "2026-03-02" and s["content_date"] == "2026-03-01"
    assert s["taxonomy_version"] == lib.sor.taxonomy_version
    assert (
        len(
            s[
                "incompatible_content_explanation"
                if "incompatible_content_explanation" in s
                else "illegal_content_explanation"
            ]
        )
        <= 2000
    )


def test_action_values(lib):
    get = lambda a: statement_of_reasons(decision(a, EXPORTABLE[a]), case(), lib)  # noqa: E731
    assert get("remove_content")["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert get("restrict_reach")["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DEMOTED"]
    assert get("label")["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_LABELLED"]
    assert get("suspend_account")["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert get("suspend_account")["category"] == "STATEMENT_CATEGORY_VIOLENCE"


@pytest.mark.parametrize("action", ["no_action", "escalate"])
def test_not_exported(lib, action):
    assert statement_of_reasons(decision(action, ("CSS-0", 1)), case(), lib) is None
    assert statement_of_reasons(decision(action, ("CSS-6", 1)), case(), lib) is None


def test_geo_block_in_kr_is_out_of_scope_and_would_be_refused(lib):
    d, c = decision("geo_block", ("CSS-4", 2), ("KR-1", 1)), case(jurisdiction="KR")
    assert out_of_scope_reason(d, c, lib) == "outside_eea"
    s = statement_of_reasons(d, c, lib)
    assert s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "성매매알선" in s["illegal_content_legal_ground"]
    assert s["territorial_scope"] == ["KR"]
    assert [str(v) for v in validate_statement(s, lib.sor.rules)] == [
        "territorial_scope: enum: 'KR' is not an EEA country code"
    ]
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert "KEYWORD_ADULT_SEXUAL_MATERIAL" in s["category_specification"]
    assert s["content_language"] == "KO"


def test_global_actions_use_eea_scope(lib):
    s = statement_of_reasons(
        decision("remove_content", ("CSS-3", 1), ("KR-1", 1)), case(jurisdiction="KR"), lib
    )
    assert s["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert "CSS-3" in s["incompatible_content_ground"]
    assert (
        len(s["territorial_scope"]) == 30
        and "DE" in s["territorial_scope"]
        and "KR" not in s["territorial_scope"]
    )


def test_minors_category(lib):
    s = statement_of_reasons(decision("remove_content", ("CSS-6", 1)), case(), lib)
    assert s["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert s["incompatible_content_illegal"] == "Yes"


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"media_description": "AI-generated comic, 12 panels"}, "CONTENT_TYPE_SYNTHETIC_MEDIA"),
        (
            {
                "media_description": "webtoon",
                "content_text": "touching real-life experiences illustrated with AI",
            },
            "CONTENT_TYPE_SYNTHETIC_MEDIA",
        ),
        ({"media_description": "AI 생성 일러스트"}, "CONTENT_TYPE_SYNTHETIC_MEDIA"),
        ({"media_description": "AI comic about a salon"}, "CONTENT_TYPE_SYNTHETIC_MEDIA"),
        ({"media_description": "photo of a storefront"}, "CONTENT_TYPE_IMAGE"),
        ({"media_description": "", "subject": {"subject_type": "reel"}}, "CONTENT_TYPE_VIDEO"),
        ({"media_description": "", "content_text": "DM me"}, "CONTENT_TYPE_TEXT"),
        ({"media_description": "", "subject": {"subject_type": "comment"}}, "CONTENT_TYPE_TEXT"),
        (
            {"media_description": "a painting of the sea", "content_text": "said the captain"},
            "CONTENT_TYPE_IMAGE",
        ),
    ],
)
def test_content_type(kw, expected):
    assert content_type_for(case(**kw)) == [expected]


def test_source_type_mapping(lib):
    s = statement_of_reasons(
        decision("label", ("CSS-8", 1)), case(source_type="trusted_flagger"), lib
    )
    assert s["source_type"] == "SOURCE_TRUSTED_FLAGGER"


def test_decision_facts_clipped(lib):
    s = statement_of_reasons(decision("label", ("CSS-8", 1), reasoning="x" * 6000), case(), lib)
    assert len(s["decision_facts"]) == 5000
