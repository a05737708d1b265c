"""Statement of reasons shaped after the EU DSA Transparency Database submission schema.

Field names and values follow the mapping in ``data/policy/sor.json`` (its
``taxonomy_version`` names the schema followed). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from appeals_tui.domain.errors import NotFound
from appeals_tui.domain.policy import Clause, PolicyLibrary
from appeals_tui.domain.sources import sor_source_key

__all__ = [
    "statement_of_reasons",
    "out_of_scope_reason",
    "content_type_for",
    "is_synthetic",
    "case_source",
    "REQUIRED_FIELDS",
]

#: Fields the database requires on every statement (decision_visibility/decision_account:
#: at least one of them; ground-specific fields depend on decision_ground).
REQUIRED_FIELDS: tuple[str, ...] = (
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
)

_SYNTHETIC = re.compile(
    r"\bai[- ]?(generated|generator|made|created|art|comic|comics|illustrat\w*|image\w*|video\w*|webtoon)\b"
    r"|illustrated (with|by|using) ai\b|\bmade (with|by|using) ai\b|\b(with|by|using) ai\b"
    r"|\bgenerative ai\b|\bsynthetic\b|\bdeepfake\b|stable diffusion|midjourney|\bdall[- ]?e\b"
    r"|ai\s*(생성|그림|웹툰|만화|일러스트|이미지|영상)|인공지능|생성형",
    re.IGNORECASE,
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def is_synthetic(case: Mapping[str, Any]) -> bool:
    """Whether the case says its media is AI-generated / synthetic."""
    text = f"{case.get('media_description') or ''}\n{case.get('content_text') or ''}"
    return bool(_SYNTHETIC.search(text))


def content_type_for(case: Mapping[str, Any]) -> list[str]:
    """From the images actually attached (image, plus video for reels/stories, plus synthetic
    where the report says AI-generated); without images, from the subject and description."""
    if case.get("media"):
        kinds = ["CONTENT_TYPE_IMAGE"]
        stype = str((case.get("subject") or {}).get("subject_type") or "").lower()
        if stype in ("reel", "story"):
            kinds.append("CONTENT_TYPE_VIDEO")
        if is_synthetic(case):
            kinds.append("CONTENT_TYPE_SYNTHETIC_MEDIA")
        return kinds
    if is_synthetic(case):
        return ["CONTENT_TYPE_SYNTHETIC_MEDIA"]
    subject = case.get("subject") or {}
    stype = str(subject.get("subject_type") or case.get("subject_type") or "").lower()
    media = str(case.get("media_description") or "").lower()
    if stype in ("reel", "story") or any(w in media for w in ("video", "reel", "영상", "릴스")):
        return ["CONTENT_TYPE_VIDEO"]
    if stype in ("comment", "message") or not media:
        return ["CONTENT_TYPE_TEXT"]
    return ["CONTENT_TYPE_IMAGE"]


def _clip(value: str, field: str, limits: Mapping[str, int]) -> str:
    """Whitespace folded (facts keep their lines), cut to the database's limit with '…'."""
    limit = limits.get(field)
    value = " ".join(value.split()) if field != "decision_facts" else value.strip()
    if limit and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _date(value: Any) -> str | None:
    s = str(value or "").strip()
    return s[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", s) else None


def _cited(decision: Mapping[str, Any], library: PolicyLibrary) -> list[Clause]:
    out = []
    for ref in decision.get("clauses") or ():
        cid = str(ref.get("id", "")) if isinstance(ref, Mapping) else str(ref)
        version = ref.get("version") if isinstance(ref, Mapping) else None
        try:
            out.append(
                library.get(cid, version) if isinstance(version, int) else library.latest(cid)
            )
        except NotFound:
            continue
    return out


def _primary(clauses: list[Clause], action: str, library: PolicyLibrary) -> Clause | None:
    """Clause that grounds the statement: local law for a geo-block, else the gravest ToS clause."""
    mapped = [c for c in clauses if c.id in library.sor.clauses]
    if not mapped:
        return None
    illegal = [
        c
        for c in mapped
        if library.sor.clauses[c.id]["decision_ground"].endswith("ILLEGAL_CONTENT")
    ]
    tos = [c for c in mapped if c not in illegal]
    if action == "geo_block" and illegal:
        return illegal[0]
    pool = tos or illegal
    return max(pool, key=lambda c: c.strike_weight)  # max() keeps the first among equals


def _jurisdiction(decision: Mapping[str, Any], case: Mapping[str, Any]) -> str:
    return str(case.get("jurisdiction") or decision.get("jurisdiction") or "").strip().upper()


def case_source(case: Mapping[str, Any]) -> str:
    """The source the case record names itself ("" if none): it beats its reports'."""
    return str(case.get("source_type") or case.get("source") or "").strip().lower()


def out_of_scope_reason(
    decision: Mapping[str, Any], case: Mapping[str, Any], library: PolicyLibrary
) -> str | None:
    """Why a decision needs no statement (a key of sor.json's `out_of_scope`), or None.

    no_action and escalate restrict nothing; a territorial restriction (geo-block) in a
    country outside the EEA restricts nothing the DSA covers.
    """
    sor = library.sor
    action = str(decision.get("action") or "")
    if action in sor.not_exported_actions:
        return action
    jurisdiction = _jurisdiction(decision, case)
    eea = set(sor.vocabulary.get("eea_country_codes", ()))
    if sor.actions.get(action, {}).get("territorial") and jurisdiction and jurisdiction not in eea:
        return "outside_eea"
    return None


def statement_of_reasons(
    decision: Mapping[str, Any],
    case: Mapping[str, Any],
    library: PolicyLibrary,
    sources: Sequence[str] = (),
) -> dict[str, Any] | None:
    """One DSA statement of reasons for a decision, or None when it is not exported
    (no_action, escalate, or an action the mapping does not list).

    `sources`: how the case reached review (`domain.sources.detection_sources` of its
    reports); a trusted flagger's report makes it SOURCE_TRUSTED_FLAGGER, an automated
    flag alone SOURCE_VOLUNTARY with automated detection. A source the case record
    names itself (`source_type`) wins. Many at once: `StatementMaker`."""
    return StatementMaker(library)(decision, case, sources)


_Ref = tuple[str, int | None]
#: the part of a statement that only the action and the clauses cited decide, in the
#: statement's field order: fields before content_type, and from category on
_Grounds = tuple[dict[str, Any], dict[str, Any], bool]


class StatementMaker:
    """`statement_of_reasons` for many decisions of one library: what depends only on
    the action and the clauses cited (grounds, explanation, categories) is built once
    per (action, clauses); an export of 100k decisions cites a few hundred such sets."""

    def __init__(self, library: PolicyLibrary) -> None:
        self.library = library
        self._grounds: dict[tuple[str, tuple[_Ref, ...]], _Grounds | None] = {}

    def __call__(
        self, decision: Mapping[str, Any], case: Mapping[str, Any], sources: Sequence[str] = ()
    ) -> dict[str, Any] | None:
        sor = self.library.sor
        action = str(decision.get("action") or "")
        refs = tuple(_ref(r) for r in decision.get("clauses") or ())
        cache_key = (action, refs)
        try:
            grounds = self._grounds[cache_key]
        except KeyError:
            grounds = self._grounds[cache_key] = self._make_grounds(action, decision)
        if grounds is None:
            return None
        head, tail, territorial = grounds
        defaults = sor.defaults
        limits = sor.rules.max_length if sor.rules else {}
        jurisdiction = _jurisdiction(decision, case)
        out: dict[str, Any] = {k: _fresh(v) for k, v in head.items()}
        out["content_type"] = content_type_for(case)
        out.update((k, _fresh(v)) for k, v in tail.items())
        if territorial and jurisdiction:
            out["territorial_scope"] = [jurisdiction]
        else:
            out["territorial_scope"] = list(defaults["territorial_scope"])
        text = f"{case.get('content_text') or ''}{case.get('media_description') or ''}"
        if _HANGUL.search(text):
            out["content_language"] = "KO"
        decided = _date(decision.get("decided_at"))
        out["content_date"] = (
            _date(case.get("content_date"))
            or _date(case.get("first_reported_at"))
            or _date(case.get("created_at"))
            or decided
        )
        out["application_date"] = decided
        out["decision_facts"] = _clip(
            str(decision.get("reasoning") or ""), "decision_facts", limits
        )
        source = case_source(case) or sor_source_key(sources) or ""
        out["source_type"] = sor.source_types.get(source, defaults["source_type"])
        out["automated_detection"] = (
            "Yes" if "automated" in sources else defaults["automated_detection"]
        )
        out["automated_decision"] = defaults["automated_decision"]
        out["puid"] = str(decision.get("decision_id") or "")
        out["taxonomy_version"] = sor.taxonomy_version
        return out

    def _make_grounds(self, action: str, decision: Mapping[str, Any]) -> _Grounds | None:
        library = self.library
        sor = library.sor
        if not sor.exported(action):
            return None
        clauses = _cited(decision, library)
        primary = _primary(clauses, action, library)
        if primary is None:
            return None
        cmap = sor.clauses[primary.id]
        amap = sor.actions[action]
        defaults = sor.defaults
        limits = sor.rules.max_length if sor.rules else {}

        out: dict[str, Any] = {}
        if amap.get("decision_visibility"):
            out["decision_visibility"] = list(amap["decision_visibility"])
        if amap.get("decision_account"):
            out["decision_account"] = amap["decision_account"]
        ground = cmap["decision_ground"]
        out["decision_ground"] = ground
        explanation = " ".join(
            f"{c.id} v{c.version} — {c.title}: {c.text}" for c in clauses if c.id == primary.id
        )
        others = [c for c in clauses if c.id != primary.id]
        if others:
            explanation += (
                " Also cited: "
                + "; ".join(f"{c.id} v{c.version} — {c.title}" for c in others)
                + "."
            )
        if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
            out["illegal_content_legal_ground"] = _clip(
                primary.legal_basis or primary.title, "illegal_content_legal_ground", limits
            )
            out["illegal_content_explanation"] = _clip(
                explanation, "illegal_content_explanation", limits
            )
        else:
            prefix = defaults.get("incompatible_content_ground_prefix", "Terms and conditions")
            out["incompatible_content_ground"] = _clip(
                f"{prefix}, {primary.id} v{primary.version}: {primary.title}",
                "incompatible_content_ground",
                limits,
            )
            out["incompatible_content_explanation"] = _clip(
                explanation, "incompatible_content_explanation", limits
            )
            if cmap.get("incompatible_content_illegal") in ("Yes", "No"):
                out["incompatible_content_illegal"] = cmap["incompatible_content_illegal"]
        tail: dict[str, Any] = {"category": cmap["category"]}
        additions: list[str] = [
            a for a in cmap.get("category_addition", []) if a != cmap["category"]
        ]
        keywords: list[str] = list(cmap.get("category_specification", []))
        for c in others:
            m = sor.clauses.get(c.id)
            if not m:
                continue
            for cat in [m["category"], *m.get("category_addition", [])]:
                if cat != tail["category"] and cat not in additions:
                    additions.append(cat)
            keywords.extend(k for k in m.get("category_specification", []) if k not in keywords)
        if additions:
            tail["category_addition"] = additions
        if keywords:
            tail["category_specification"] = keywords
        return out, tail, bool(amap.get("territorial"))


def _ref(ref: Any) -> _Ref:
    """A cited clause as `_cited` reads it: (id, version) or (id, None) for the latest."""
    if isinstance(ref, Mapping):
        version = ref.get("version")
        return str(ref.get("id", "")), version if isinstance(version, int) else None
    return str(ref), None


def _fresh(value: Any) -> Any:
    """A list of the cached grounds copied, so no two statements share one."""
    return list(value) if isinstance(value, list) else value
