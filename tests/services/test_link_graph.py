"""The in-memory link graph (services/link_graph.py) and text groups (services/text_groups.py)
through the real store, on both backends: caught up from the audit chain, it equals a
graph read from scratch; near-duplicate grouping stays bounded on templated texts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appeals_tui.domain.case_links import link_doc, link_fields
from appeals_tui.domain.near_duplicates import NearDupSettings, normalise
from appeals_tui.services import link_graph, text_groups
from appeals_tui.services.link_graph import LinkGraph
from appeals_tui.services.text_groups import TextGroups
from appeals_tui.store.factory import create_store, open_store
from appeals_tui.store.protocol import Store
from appeals_tui.store.shipped import default_near_dup_settings

BASE = "살롱 다이어리 ep.1 단골 오빠가 내 생일이라고 명품백을 들고 왔다 실장님은 웃었고"


@pytest.fixture(params=["embedded", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "embedded":
        return str(tmp_path / "ws")
    from tests.pgserver import create_database

    cluster = request.getfixturevalue("pg_cluster")
    return str(cluster.url(create_database(cluster)))


@pytest.fixture
def stores(target: str) -> Iterator[tuple[Store, Store]]:
    """Two handles on one store, as two processes would hold them."""
    first = create_store(target)
    second = open_store(target)
    yield first, second
    second.close()
    first.close()


def _add_case(store: Store, n: int, account: str, text: str, status: str = "open") -> None:
    case = {
        "case_id": f"C-{n:06d}",
        "status": status,
        "subject": {"account": account, "platform": "instagram", "subject_id": f"P{n}"},
        "content_text": text,
        "jurisdiction": "KR",
    }
    case.update(link_fields(link_doc(case, min_length=24)))
    with store.transaction("t") as txn:
        txn.insert("cases", case["case_id"], case)


def _shape(graph: LinkGraph) -> tuple[object, ...]:
    """What the graph says, independent of the order it learnt it in."""
    accounts: dict[object, set[str]] = {}
    for name in graph.cases_of:
        accounts.setdefault(graph.accounts.find(name), set()).add(name)
    groups: dict[object, set[str]] = {}
    for case_id in graph.key_of:
        groups.setdefault(graph.group_of(case_id), set()).add(case_id)
    return (
        {c: frozenset(v) for c, v in graph.by_contact.items()},
        {c: frozenset(v) for c, v in graph.accounts_by_contact.items()},
        sorted(map(sorted, accounts.values())),
        sorted(map(sorted, groups.values())),
        {a: frozenset(v) for a, v in graph.cases_of.items()},
    )


def _fresh(target: str) -> LinkGraph:
    store = open_store(target)
    try:
        graph = LinkGraph(TextGroups(default_near_dup_settings()))
        graph.sync(store)
        graph._follow_merges()
        return graph
    finally:
        store.close()


def test_the_graph_catches_up_from_the_chain_and_equals_one_read_from_scratch(stores, target):
    mine, other = stores
    _add_case(mine, 1, "a_one", BASE)
    _add_case(mine, 2, "a_two", "완전히 다른 이야기: 카페에서 일하는 알바생의 하루와 단골 손님")
    _add_case(mine, 7, "a_one", "실화 웹툰 문의 010-4827-1936")
    graph = link_graph.graph_for(mine)
    assert graph.accounts.find("a_one") != graph.accounts.find("a_two")
    seq = graph.seq
    # another process: a shared phone, a near-duplicate text, a contact added later
    _add_case(other, 3, "a_three", "상담은 ０１０．４８２７．１９３６ 으로")
    _add_case(other, 4, "a_four", BASE.replace("ep.1", "ep.2") + " #실화")
    _add_case(other, 5, "a_five", "오늘의 메뉴는 김치찌개와 계란말이, 손님이 많았다")
    with other.transaction("t") as txn:
        txn.update("cases", "C-000002", {"contacts": ["telegram:cafe_vip"]})
    _add_case(other, 6, "a_six", "텔레그램 @cafe_vip 로 연락 주세요, 예약은 선착순")
    again = link_graph.graph_for(mine)
    assert again is graph and graph.seq > seq
    assert _shape(graph) == _shape(_fresh(target))
    find = graph.accounts.find
    assert find("a_one") == find("a_three") == find("a_four")
    assert find("a_two") == find("a_six") != find("a_one")
    assert not graph.networked("a_five")


def test_case_facts_are_read_once_and_forgotten_when_the_case_changes(stores):
    mine, other = stores
    _add_case(mine, 1, "a_one", "문의 010-4827-1936")
    _add_case(mine, 2, "a_two", "상담 010-4827-1936", status="decided")
    graph = link_graph.graph_for(mine)
    graph.load_facts(mine, ["C-000001", "C-000002"])
    assert graph.status_of == {"C-000001": "open", "C-000002": "decided"}
    with other.transaction("t") as txn:
        txn.update("cases", "C-000001", {"status": "in_review"})
    graph = link_graph.graph_for(mine)
    assert "C-000001" not in graph.status_of  # forgotten, read again when needed
    graph.load_facts(mine, ["C-000001", "C-000002"])
    assert graph.status_of["C-000001"] == "in_review"


def test_templated_texts_group_with_bounded_comparisons(monkeypatch):
    """2,000 near-identical texts (one template, a changing number and name) form one
    group, and each new text is compared with at most `compare` earlier ones (the
    pairwise approach compared each with every candidate: quadratic)."""
    settings = NearDupSettings()
    calls = []
    real = text_groups.similar

    def counting(a: str, b: str, s: NearDupSettings) -> float:
        calls.append(1)
        return real(a, b, s)

    monkeypatch.setattr(text_groups, "similar", counting)
    groups = TextGroups(settings)
    template = (
        "오늘 밤 강남 룸 {n}번 언니 출근했어요 {name} 실장에게 문의 주세요 예약은 선착순입니다"
    )
    names = ["민지", "서연", "하루", "다니엘", "지우"]
    texts = {n: normalise(template.format(n=n, name=names[n % len(names)])) for n in range(1, 2001)}
    groups.add(texts)
    assert len(calls) <= settings.compare * len(texts)
    roots = {groups.root(k) for k in texts}
    assert len(roots) == 1 and len(groups.group(1)) == 2000
    # an unrelated text stays on its own
    groups.add({9999: normalise("완전히 다른 이야기: 카페에서 일하는 알바생의 하루와 단골 손님")})
    assert groups.group(9999) == [9999]


def test_text_groups_are_the_same_whichever_path_reads_them(stores):
    """Groups depend on the order texts join them: the store path (`text_groups`, keys
    from the index) and the link graph (a pass over `cases`) both take them in
    the order they arrived, so every process finds the same groups."""
    mine, _ = stores
    template = "오늘 밤 {area} 룸 {n}번 언니 출근했어요 {name} 실장에게 문의 주세요 {tail}"
    areas, names = ["강남", "역삼", "선릉"], ["민지", "서연", "하루", "지우"]
    tails = ["예약은 선착순", "카페에서 일하는 알바생의 하루", "오늘의 메뉴는 김치찌개"]
    for n in range(1, 241):
        text = template.format(
            area=areas[n % 3], n=(n * 37) % 500, name=names[n % 4], tail=tails[(n // 7) % 3]
        )
        _add_case(mine, n, f"acct{n:04d}", text)

    def partition(groups: TextGroups) -> list[list[int]]:
        found: dict[int, list[int]] = {}
        for key in groups.texts:
            found.setdefault(groups.root(key), []).append(key)
        return sorted(sorted(v) for v in found.values())

    light = TextGroups(default_near_dup_settings())
    light.sync(mine)
    graph = LinkGraph(TextGroups(default_near_dup_settings()))
    graph.sync(mine)
    assert partition(light) == partition(graph.text)
    assert len(partition(light)) < 240  # they did group


def test_texts_join_groups_in_the_order_they_arrived(stores):
    mine, _ = stores
    for n in (1, 2, 10):
        _add_case(mine, n, f"acct{n}", f"{n}번째 이야기: 카페에서 일하는 알바생의 하루와 단골 손님")
    keys = {mine.get("cases", f"C-{n:06d}")["text_key"]: f"C-{n:06d}" for n in (10, 2, 1)}
    read = text_groups.read_texts(mine, keys)
    assert [keys[k] for k in read] == ["C-000001", "C-000002", "C-000010"]
