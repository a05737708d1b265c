from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.guidance import parse_factor_args, recommend, validate_factors
from appeals_tui.domain.models import FACTORS

# (yes-factors, jurisdiction, expected action, clause, rule)
CASES = [
    (("minors_indicated",), None, "escalate", "CSS-6", "R1"),
    (("recruitment",), None, "suspend_account", "CSS-5", "R2"),
    (
        ("depicts_commercial_sex", "narrative_framing", "contact_means"),
        None,
        "remove_content",
        "CSS-3",
        "R3",
    ),
    (
        ("depicts_commercial_sex", "narrative_framing", "pricing_or_booking"),
        None,
        "remove_content",
        "CSS-3",
        "R3",
    ),
    (("depicts_commercial_sex", "contact_means"), None, "remove_content", "CSS-2", "R4"),
    (
        ("depicts_commercial_sex", "pricing_or_booking", "first_person_provider"),
        None,
        "remove_content",
        "CSS-2",
        "R4",
    ),
    (("news_or_educational_context", "depicts_commercial_sex"), None, "no_action", "CSS-7", "R5"),
    (
        ("depicts_commercial_sex", "narrative_framing", "glamorization"),
        None,
        "restrict_reach",
        "CSS-4",
        "R6",
    ),
    (
        ("depicts_commercial_sex", "narrative_framing", "glamorization"),
        "KR",
        "geo_block",
        "KR-1",
        "R6",
    ),
    (("depicts_commercial_sex",), None, "label", "CSS-8", "R7"),
    (
        ("depicts_commercial_sex", "narrative_framing", "location_details"),
        None,
        "label",
        "CSS-8",
        "R7",
    ),
    ((), None, "no_action", "CSS-0", "R8"),
    ((), "KR", "no_action", "CSS-0", "R8"),
]


@pytest.mark.parametrize(("yes", "jur", "action", "clause", "rule"), CASES)
def test_each_rule_fires(lib, profile, yes, jur, action, clause, rule):
    g = recommend(profile(*yes), jur, lib)
    assert (g.action, g.clause_id, g.rule_id) == (action, clause, rule)
    assert g.clause_version == lib.latest(clause).version
    assert "\n" not in g.explanation
    for f in yes:
        if f in g.fired:
            assert f in g.explanation


def test_every_rule_has_a_profile(lib):
    assert {c[4] for c in CASES} == {r.id for r in lib.rules}


def test_recommended_action_allowed_by_clause(lib, profile):
    for yes, jur, *_ in CASES:
        g = recommend(profile(*yes), jur, lib)
        lib.check_action(g.action, [g.clause_id])


@pytest.mark.parametrize(
    ("yes", "jur", "action", "clause"),
    [
        (
            ("minors_indicated", "recruitment", "contact_means", "depicts_commercial_sex"),
            None,
            "escalate",
            "CSS-6",
        ),
        (
            ("recruitment", "contact_means", "depicts_commercial_sex"),
            None,
            "suspend_account",
            "CSS-5",
        ),
        (
            ("news_or_educational_context", "contact_means", "depicts_commercial_sex"),
            None,
            "remove_content",
            "CSS-2",
        ),
        (
            ("narrative_framing", "glamorization", "contact_means", "depicts_commercial_sex"),
            "KR",
            "remove_content",
            "CSS-3",
        ),
        (
            (
                "news_or_educational_context",
                "glamorization",
                "narrative_framing",
                "depicts_commercial_sex",
            ),
            None,
            "restrict_reach",
            "CSS-4",
        ),
        (
            ("news_or_educational_context", "glamorization", "depicts_commercial_sex"),
            None,
            "label",
            "CSS-8",
        ),
        (("news_or_educational_context", "glamorization"), None, "label", "CSS-8"),
        (("minors_indicated", "narrative_framing", "glamorization"), "KR", "escalate", "CSS-6"),
    ],
)
def test_conflicting_profiles_most_severe_wins(lib, profile, yes, jur, action, clause):
    g = recommend(profile(*yes), jur, lib)
    assert (g.action, g.clause_id) == (action, clause)


def test_news_with_glamorization_is_not_no_action(lib, profile):
    for extra in ((), ("depicts_commercial_sex",), ("narrative_framing",)):
        g = recommend(profile("news_or_educational_context", "glamorization", *extra), None, lib)
        assert g.action != "no_action"


def test_kr_override_only_where_promotion_illegal(lib, profile):
    p = profile("depicts_commercial_sex", "narrative_framing", "glamorization")
    kr = recommend(p, "kr", lib)
    assert (kr.action, kr.clause_id, kr.jurisdiction_override) == ("geo_block", "KR-1", True)
    assert "KR" in kr.explanation
    for j in (None, "", "DE", "US", "JP"):
        g = recommend(p, j, lib)
        assert (g.action, g.clause_id, g.jurisdiction_override) == (
            "restrict_reach",
            "CSS-4",
            False,
        )


def test_explanation_names_fired_factors(lib, profile):
    g = recommend(profile("news_or_educational_context"), None, lib)
    assert "news_or_educational_context" in g.explanation and "no glamorization" in g.explanation
    d = g.to_dict()
    assert d["action"] == "no_action" and d["clause"] == {"id": "CSS-7", "version": 1}


def test_validate_factors(profile):
    validate_factors(profile())
    p = profile()
    del p["recruitment"]
    p["spicy"] = True
    with pytest.raises(ValidationError) as e:
        validate_factors(p)
    text = " ".join(e.value.problems)
    assert "spicy" in text and "recruitment" in text
    q = profile()
    q["glamorization"] = "yes"
    with pytest.raises(ValidationError, match="glamorization"):
        validate_factors(q)


def test_recommend_rejects_incomplete(lib):
    with pytest.raises(ValidationError, match="missing"):
        recommend({"minors_indicated": True}, None, lib)


def test_parse_factor_args():
    got = parse_factor_args(
        [
            "minors_indicated=yes",
            "recruitment=N",
            "glamorization=true",
            "contact_means=0",
            " narrative_framing = Y ",
        ]
    )
    assert got == {
        "minors_indicated": True,
        "recruitment": False,
        "glamorization": True,
        "contact_means": False,
        "narrative_framing": True,
    }
    assert parse_factor_args([f"{f}=1" for f in FACTORS]) == dict.fromkeys(FACTORS, True)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["recruitment=maybe"], "factor 'recruitment': expected yes or no"),
        (["recruitment"], "expected NAME=yes or NAME=no"),
        (["spicy=yes"], "factor 'spicy': unknown factor"),
        (["recruitment=yes", "recruitment=no"], "answered both yes and no"),
    ],
)
def test_parse_factor_args_errors(items, message):
    with pytest.raises(ValidationError) as e:
        parse_factor_args(items)
    assert any(message in p for p in e.value.problems), e.value.problems


def test_parse_factor_args_reports_all():
    with pytest.raises(ValidationError) as e:
        parse_factor_args(["a=yes", "recruitment=perhaps"])
    assert len(e.value.problems) == 2
