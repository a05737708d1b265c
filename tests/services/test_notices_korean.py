"""Korean notices are Korean throughout: clause titles and texts, outcome, content type,
and particles chosen by the word (no "을(를)", no "(modified)")."""

from __future__ import annotations

import re

from appeals_tui.services import appeals, notices
from tests.conftest import removal

#: a Latin word of 4+ letters (identifiers like CSS-3, D-000001, instagram are allowed)
_ALLOWED_LATIN = {"instagram", "acct_S1", "KakaoTalk"}


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]{3,}", text)} - _ALLOWED_LATIN


def test_korean_decision_notice(sessions):
    minji = sessions("minji")
    decision = removal(minji)
    n = notices.render_notice(minji, decision.decision_id, lang="ko")
    clause = minji.library.get("CSS-3", decision.clauses[0]["version"])
    assert clause.title_in("ko") in n.body and clause.text_in("ko") in n.body
    assert clause.title not in n.body and clause.text not in n.body
    assert n.fields["clauses"][0]["title"] == clause.title_in("ko")
    assert "게시물을 검토하고" in n.body and "을(를)" not in n.body
    assert n.subject == f"instagram 게시물 조치 안내 ({decision.decision_id})"
    assert "신뢰 신고자의 신고" in n.body  # S1 was also reported by tf_kcsc
    # the moderator's reasoning is quoted as written; everything else is Korean
    assert english_words(n.body.replace(decision.reasoning, "")) == set()


def test_korean_appeal_outcome_notice(sessions):
    minji, daniel = sessions("minji"), sessions("daniel")
    decision = removal(minji)
    appeal = appeals.file_appeal(minji, decision.decision_id, "이건 그냥 이야기입니다.")
    appeals.resolve_appeal(
        daniel,
        appeal.appeal_id,
        "modified",
        "연락처는 이미 지워져 있었으므로 노출 제한으로 변경합니다.",
        action="restrict_reach",
        clause_ids=["CSS-4"],
    )
    n = notices.render_notice(minji, appeal_id=appeal.appeal_id, lang="ko")
    assert n.subject == f"이의제기 {appeal.appeal_id} 결과 안내 (변경)"
    assert "(modified)" not in n.subject + n.body and "modified" not in n.subject
    css4 = minji.library.latest("CSS-4")
    assert css4.title_in("ko") in n.body and css4.text_in("ko") in n.body
    assert "게시물에 대한 결정" in n.body
    assert english_words(n.body) == set()
    en = notices.render_notice(minji, appeal_id=appeal.appeal_id, lang="en")
    assert "(modified)" in en.subject and css4.title in en.body
