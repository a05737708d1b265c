"""The DSA Transparency Database's rules, one test per rule: a statement broken in exactly
one way is refused with that field and rule named; the boundaries the database accepts pass."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.sor_rules import validate_statement
from appeals_tui.paths import data_dir
from appeals_tui.store.shipped import load_library

GOOD = {
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
    "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    "incompatible_content_ground": "Community Guidelines, CSS-3 v1",
    "incompatible_content_explanation": "Narrative with a contact handle for booking.",
    "incompatible_content_illegal": "No",
    "content_type": ["CONTENT_TYPE_SYNTHETIC_MEDIA"],
    "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "category_specification": ["KEYWORD_ADULT_SEXUAL_MATERIAL"],
    "territorial_scope": ["DE", "FR"],
    "content_language": "KO",
    "content_date": "2026-03-01",
    "application_date": "2026-03-02",
    "decision_facts": "Comic ends with a KakaoTalk ID for booking.",
    "source_type": "SOURCE_ARTICLE_16",
    "automated_detection": "No",
    "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    "puid": "D-000001",
    "taxonomy_version": "annotation we add",
}


@pytest.fixture(scope="module")
def rules(lib):
    return lib.sor.rules


def broken(**changes):
    s = copy.deepcopy(GOOD)
    for k, v in changes.items():
        if v is ...:
            s.pop(k, None)
        else:
            s[k] = v
    return s


def named(statement, rules):
    return {(v.field, v.rule) for v in validate_statement(statement, rules)}


def test_good_statement_passes(rules):
    assert validate_statement(GOOD, rules) == []


def test_rules_name_their_source_and_date(lib, rules):
    assert rules.rules_date == "2026-06-24" and len(rules.source_commit) == 40
    assert "StatementStoreRequest" in rules.source
    assert rules.statements_per_request == 100
    assert lib.sor.taxonomy_version


@pytest.mark.parametrize(
    "field",
    [
        "decision_ground",
        "content_type",
        "category",
        "content_date",
        "application_date",
        "decision_facts",
        "source_type",
        "automated_detection",
        "automated_decision",
        "puid",
    ],
)
@pytest.mark.parametrize("empty", [..., None, "", "   ", []])
def test_required(rules, field, empty):
    assert (field, "required") in named(broken(**{field: empty}), rules)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decision_visibility", ["DECISION_VISIBILITY_CONTENT_HIDDEN"]),
        ("decision_monetary", "DECISION_MONETARY_FINE"),
        ("decision_provision", "DECISION_PROVISION_PAUSED"),
        ("decision_account", "DECISION_ACCOUNT_BANNED"),
        ("account_type", "ACCOUNT_TYPE_CREATOR"),
        ("decision_ground", "DECISION_GROUND_POLICY"),
        ("incompatible_content_illegal", "Maybe"),
        ("content_type", ["CONTENT_TYPE_COMIC"]),
        ("category", "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"),
        ("category_addition", ["STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"]),
        ("category_specification", ["KEYWORD_SALON"]),
        ("territorial_scope", ["KR"]),
        ("territorial_scope", ["DE", "GB"]),
        ("content_language", "kr"),
        ("source_type", "SOURCE_USER_REPORT"),
        ("automated_detection", "yes"),
        ("automated_decision", "AUTOMATED_DECISION_NONE"),
    ],
)
def test_enum(rules, field, value):
    assert (field, "enum") in named(broken(**{field: value}), rules)


def test_non_eea_scope_says_so(rules):
    (v,) = [v for v in validate_statement(broken(territorial_scope=["KR"]), rules)]
    assert str(v) == "territorial_scope: enum: 'KR' is not an EEA country code"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decision_visibility", "DECISION_VISIBILITY_CONTENT_REMOVED"),
        ("content_type", "CONTENT_TYPE_TEXT"),
        ("decision_account", ["DECISION_ACCOUNT_SUSPENDED"]),
        ("category", ["STATEMENT_CATEGORY_VIOLENCE"]),
    ],
)
def test_list_or_single_value(rules, field, value):
    assert (field, "type") in named(broken(**{field: value}), rules)


def test_at_least_one_decision(rules):
    got = named(broken(decision_visibility=...), rules)
    assert ("decision_visibility/decision_monetary/decision_provision/decision_account",
            "at_least_one") in got  # fmt: skip
    for other in (
        {"decision_account": "DECISION_ACCOUNT_SUSPENDED"},
        {"decision_monetary": "DECISION_MONETARY_SUSPENSION"},
        {"decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION"},
    ):
        assert named(broken(decision_visibility=..., **other), rules) == set()


@pytest.mark.parametrize(
    ("other", "field", "value"),
    [
        ("decision_visibility_other", "decision_visibility", ["DECISION_VISIBILITY_OTHER"]),
        ("decision_monetary_other", "decision_monetary", "DECISION_MONETARY_OTHER"),
        ("content_type_other", "content_type", ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_OTHER"]),
    ],
)
def test_other_field_required_exactly_when_other_is_chosen(rules, other, field, value):
    assert (other, "other_required") in named(broken(**{field: value}), rules)
    assert named(broken(**{field: value, other: "Hidden behind an age gate"}), rules) == set()
    assert (other, "other_forbidden") in named(broken(**{other: "Hidden"}), rules)


def test_other_keyword_is_optional_but_only_with_keyword_other(rules):
    assert named(broken(category_specification=["KEYWORD_OTHER"]), rules) == set()
    assert (
        named(broken(category_specification=["KEYWORD_OTHER"], category_specification_other="x"),
              rules) == set()
    )  # fmt: skip
    assert ("category_specification_other", "other_forbidden") in named(
        broken(category_specification_other="x"), rules
    )


def test_ground_pair_present_for_its_ground(rules):
    got = named(broken(incompatible_content_explanation=...), rules)
    assert ("incompatible_content_explanation", "ground_required") in got
    illegal = broken(decision_ground="DECISION_GROUND_ILLEGAL_CONTENT")
    got = named(illegal, rules)
    assert {
        ("illegal_content_legal_ground", "ground_required"),
        ("illegal_content_explanation", "ground_required"),
        ("incompatible_content_ground", "ground_forbidden"),
        ("incompatible_content_explanation", "ground_forbidden"),
        ("incompatible_content_illegal", "ground_forbidden"),
    } <= got


def test_ground_pair_absent_for_the_other_ground(rules):
    s = broken(illegal_content_legal_ground="성매매알선 등 행위의 처벌에 관한 법률 제20조")
    assert ("illegal_content_legal_ground", "ground_forbidden") in named(s, rules)


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("incompatible_content_ground", 500),
        ("incompatible_content_explanation", 2000),
        ("decision_facts", 5000),
        ("source_identity", 500),
        ("puid", 500),
        ("decision_visibility_other", 500),
        ("content_type_other", 500),
        ("category_specification_other", 500),
    ],
)
def test_lengths(rules, field, limit):
    extra = {
        "decision_visibility_other": {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},
        "content_type_other": {"content_type": ["CONTENT_TYPE_OTHER"]},
        "category_specification_other": {"category_specification": ["KEYWORD_OTHER"]},
    }.get(field, {})
    char = "a" if field == "puid" else "가"  # limits count characters, not bytes
    assert named(broken(**extra, **{field: char * limit}), rules) == set()
    assert (field, "max_length") in named(broken(**extra, **{field: char * (limit + 1)}), rules)


def test_illegal_ground_lengths(rules):
    base = dict(
        decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
        incompatible_content_ground=...,
        incompatible_content_explanation=...,
        incompatible_content_illegal=...,
    )
    ok = broken(**base, illegal_content_legal_ground="x" * 500,
                illegal_content_explanation="y" * 2000)  # fmt: skip
    assert named(ok, rules) == set()
    bad = broken(**base, illegal_content_legal_ground="x" * 501,
                 illegal_content_explanation="y" * 2001)  # fmt: skip
    assert {("illegal_content_legal_ground", "max_length"),
            ("illegal_content_explanation", "max_length")} <= named(bad, rules)  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("content_date", "1999-12-31", "date_range"),
        ("content_date", "2038-01-02", "date_range"),
        ("application_date", "2019-12-31", "date_range"),
        ("application_date", "2038-01-02", "date_range"),
        ("content_date", "2026-3-1", "date_format"),
        ("content_date", "2026-02-30", "date_format"),
        ("application_date", "2026-03-02T09:00:00+00:00", "date_format"),
        ("end_date_visibility_restriction", "2026-03-01", "date_range"),
        ("end_date_account_restriction", "2038-01-02", "date_range"),
        ("end_date_account_restriction", "01/02/2027", "date_format"),
    ],
)
def test_dates(rules, field, value, rule):
    assert (field, rule) in named(broken(**{field: value}), rules)


@pytest.mark.parametrize(
    "changes",
    [
        {"content_date": "2000-01-01", "application_date": "2020-01-01"},
        {"content_date": "2038-01-01", "application_date": "2038-01-01"},
        {"end_date_visibility_restriction": "2026-03-02"},
    ],
)
def test_date_boundaries_accepted(rules, changes):
    assert named(broken(**changes), rules) == set()


@pytest.mark.parametrize("puid", ["D 1", "D-1\n", "D/1", "décision-1", "D-1;DROP", "D.1"])
def test_puid_pattern(rules, puid):
    assert ("puid", "puid_pattern") in named(broken(puid=puid), rules)


def test_puid_accepts_letters_digits_dash_underscore(rules):
    assert named(broken(puid="aZ09-_" * 80 + "ab"), rules) == set()


def test_source_identity_absent_for_voluntary_sources(rules):
    assert named(broken(source_identity="tf_kcsc", source_type="SOURCE_TRUSTED_FLAGGER"),
                 rules) == set()  # fmt: skip
    got = named(broken(source_identity="auto_classifier", source_type="SOURCE_VOLUNTARY"), rules)
    assert ("source_identity", "source_identity_voluntary") in got


def test_reference_url(rules):
    assert named(broken(decision_ground_reference_url="https://example.org/tos#3"), rules) == set()
    got = named(broken(decision_ground_reference_url="javascript:alert(1)"), rules)
    assert ("decision_ground_reference_url", "url") in got


def test_unknown_field(rules):
    assert ("moderator", "unknown_field") in named(broken(moderator="minji"), rules)


def test_every_problem_is_named_not_just_the_first(rules):
    s = broken(territorial_scope=["KR"], puid="D 1", content_date="1990-01-01", category="X")
    assert {f for f, _ in named(s, rules)} == {"territorial_scope", "puid", "content_date",
                                                "category"}  # fmt: skip


# ------------------------------------------------------------- the rules are data


@pytest.fixture
def libdir(tmp_path: Path) -> Path:
    dst = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", dst)
    return dst


def _edit_rules(folder: Path, fn) -> None:
    p = folder / "sor.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    fn(data)
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_changed_limit_is_a_data_change(libdir):
    _edit_rules(libdir, lambda d: d["database_rules"]["max_length"].update(decision_facts=10))
    rules = load_library(libdir).sor.rules
    assert ("decision_facts", "max_length") in named(GOOD, rules)


def test_broken_rules_data_is_refused_when_loading(libdir):
    def spoil(d):
        d["database_rules"]["enums"]["category"]["values"] = "no_such_list"
        d["database_rules"]["other_fields"]["content_type_other"]["value"] = "CONTENT_TYPE_X"
        d["database_rules"]["required"].append("moderator")
        del d["out_of_scope"]["escalate"]

    _edit_rules(libdir, spoil)
    with pytest.raises(ValidationError) as e:
        load_library(libdir)
    text = "\n".join(e.value.problems)
    assert "database_rules.enums.category" in text
    assert "database_rules.other_fields.content_type_other" in text
    assert "'moderator' is not in fields" in text
    assert "out_of_scope.escalate" in text
