"""Account networks through the real store: contacts at import, links, networks, migration."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import NotFound, PermissionDenied
from appeals_tui.services import intake, networks
from appeals_tui.services.decisions import DecisionDraft, decide
from appeals_tui.services.precedents import precedents_for_case
from appeals_tui.store import Workspace, migrations
from tests.conftest import PROMO, case_for, factors, report, write_jsonl

PHONE = "phone:+821048271936"
LABELLED = factors(depicts_commercial_sex=True, narrative_framing=True)


def _network_of(session, account):
    (found,) = [n for n in networks.list_networks(session) if account in n.accounts]
    return found


def _import(session, tmp_path, rows, name="net.jsonl"):
    return intake.import_reports(session, write_jsonl(tmp_path / name, rows))


@pytest.fixture
def net(sessions, tmp_path):
    """Three accounts sharing one phone number written three Korean ways; two decided apart."""
    minji = sessions("minji")
    _import(
        minji,
        tmp_path,
        [
            report(
                "N-1", "P1", account="yeoksam_toon", content_text="실화 웹툰 문의 010-4827-1936"
            ),
            report(
                "N-2",
                "P2",
                account="moonlight_kr",
                content_text="상담은 ０１０．４８２７．１９３６ 으로",
            ),
            report(
                "N-3",
                "P3",
                account="room_toon",
                content_text="문의 +82 10 4827 1936 / 카톡 yk_1936",
            ),
            report(
                "N-4",
                "P4",
                account="elsewhere",
                content_text="nothing to reach here at all, a cafe",
            ),
        ],
    )
    decide(
        minji,
        case_for(minji, "P1"),
        DecisionDraft(
            "remove_content",
            ["CSS-3"],
            dict(PROMO),
            "Webtoon with a phone number for booking: an advert.",
        ),
    )
    daniel = sessions("daniel")
    decide(
        daniel,
        case_for(daniel, "P2"),
        DecisionDraft(
            "label",
            ["CSS-8"],
            dict(LABELLED),
            "A narrative reel about a salon; label it as sensitive.",
        ),
    )
    return sessions


def links(s, subject):
    """The case record, which carries its contacts and text key."""
    return s.ws.get("cases", case_for(s, subject))


def test_contacts_stored_normalised_with_the_case_at_import(net):
    s = net("minji")
    assert links(s, "P1")["contacts"] == [PHONE]
    assert links(s, "P3")["contacts"] == ["kakao:yk_1936", PHONE]
    assert links(s, "P3")["subject"]["account"] == "room_toon"
    assert s.ws.count("case_links") == 0  # written by nobody any more
    assert links(s, "P4")["contacts"] == []
    assert isinstance(links(s, "P4")["text_key"], int) and 0 <= links(s, "P4")["text_key"] < 2**63


def test_a_later_report_adds_its_contacts_to_the_open_case(net, tmp_path):
    s = net("minji")
    _import(
        s,
        tmp_path,
        [report("N-5", "P3", reporter="x", content_text="텔레그램 @room_vip")],
        "b.jsonl",
    )
    assert links(s, "P3")["contacts"] == ["kakao:yk_1936", PHONE, "telegram:room_vip"]


def test_links_for_a_case_show_other_accounts_and_their_decisions(net):
    s = net("minji")
    links = networks.links_for_case(s, case_for(s, "P3"))
    assert links.accounts == ["moonlight_kr", "yeoksam_toon"]
    got = {x.account: (x.action, x.via) for x in links.linked}
    assert got == {
        "yeoksam_toon": ("remove_content", ["phone +82 10-4827-1936"]),
        "moonlight_kr": ("label", ["phone +82 10-4827-1936"]),
    }
    assert links.total == 2
    assert networks.links_for_case(s, case_for(s, "P4")).linked == []
    with pytest.raises(NotFound):
        networks.links_for_case(s, "C-999999")


def test_networks_flag_inconsistent_treatment(net):
    lead = net("seoyeon")
    n = _network_of(lead, "room_toon")
    assert n.accounts == ["moonlight_kr", "room_toon", "yeoksam_toon"]
    assert n.decisions_by_action == {"label": 1, "remove_content": 1}
    assert n.open_cases == [case_for(lead, "P3")]
    assert n.inconsistent
    (problem,) = n.inconsistencies
    assert problem.via == "phone +82 10-4827-1936"
    assert problem.actions == {
        "remove_content": [case_for(lead, "P1")],
        "label": [case_for(lead, "P2")],
    }
    assert networks.get_network(lead, n.network_id).accounts == n.accounts
    assert networks.network_open_cases(lead, n.network_id)[0].case_id == case_for(lead, "P3")
    with pytest.raises(NotFound):
        networks.get_network(lead, "N-00000000")


def test_deciding_the_open_case_updates_counts_and_keeps_the_old_split_flagged(net):
    lead = net("seoyeon")
    minji = net("minji")
    decide(
        minji,
        case_for(minji, "P3"),
        DecisionDraft(
            "remove_content",
            ["CSS-3"],
            dict(PROMO),
            "Same number as the removed webtoon: an advert.",
        ),
    )
    n = _network_of(lead, "room_toon")
    assert n.decisions_by_action == {"label": 1, "remove_content": 2}
    assert n.inconsistent  # P2 is still only labelled for the same number
    assert n.open_cases == []


def test_networks_are_for_leads(net):
    with pytest.raises(PermissionDenied):
        networks.list_networks(net("minji"))


def test_near_duplicate_content_links_accounts(sessions, tmp_path):
    s = sessions("minji")
    base = "살롱 다이어리 ep.1 👜 단골 오빠가 내 생일이라고 명품백을 들고 왔다… 실장님은 너 오늘 운 좋다며 웃었고"
    _import(
        s,
        tmp_path,
        [
            report("D-1", "Q1", account="a_one", content_text=base),
            report(
                "D-2", "Q2", account="a_two", content_text=base.replace("ep.1", "ep.2") + " #실화"
            ),
            report("D-3", "Q3", account="a_three", content_text=base),
            report(
                "D-4",
                "Q4",
                account="a_four",
                content_text="완전히 다른 이야기: 카페에서 일하는 알바생의 하루와 단골 손님",
            ),
        ],
    )
    links = networks.links_for_case(s, case_for(s, "Q1"))
    via = {x.account: x.via for x in links.linked}
    assert via["a_three"] == ["same text"]
    assert len(via["a_two"]) == 1 and via["a_two"][0].startswith("near-duplicate text (")
    assert "a_four" not in via
    n = _network_of(sessions("seoyeon"), "a_one")
    assert n.accounts == ["a_one", "a_three", "a_two"]
    # the fixture's own reports ("AI로 그린 실화 S1", "… S2", ...) are near-duplicates too
    assert _network_of(sessions("seoyeon"), "acct_S1").accounts[:2] == ["acct_S1", "acct_S2"]


def test_precedents_mark_and_include_linked_accounts(net):
    s = net("minji")
    ranked = precedents_for_case(s, case_for(s, "P3"), dict(PROMO), clause_ids={"CSS-3"})
    by_id = {r.decision["case_id"]: r for r in ranked}
    assert by_id[case_for(s, "P1")].linked and by_id[case_for(s, "P2")].linked
    # a case with no links: nothing marked
    plain = precedents_for_case(s, case_for(s, "P4"), dict(PROMO))
    assert not any(r.linked for r in plain)


def test_migration_extracts_contacts_for_existing_workspaces(tmp_path):
    """A schema-2 workspace (no `case_links`) gains them, from cases and reports, when opened."""
    path = tmp_path / "old"
    ws = Workspace.create(path)
    with ws.transaction("t") as txn:
        txn.insert("reports", "R-1", {"report_id": "R-1", "reason": "spam",
                                      "content_text": "카톡 old_id7 / 010-4827-1936"})  # fmt: skip
        txn.insert(
            "cases",
            "C-000001",
            {"case_id": "C-000001", "subject": {"account": "old_acct"}, "report_ids": ["R-1"],
             "content_text": "+82 10 4827 1936", "jurisdiction": "KR"},
        )  # fmt: skip
        txn.set_meta("schema_version", 2)
    ws.close()
    assert 2 in migrations.MIGRATIONS
    with Workspace.open(path) as again:
        assert again.meta("schema_version") == Workspace.SCHEMA_VERSION
        doc = again.get("case_links", "C-000001")
        assert doc["contacts"] == ["kakao:old_id7", PHONE]
        assert doc["account"] == "old_acct" and doc["text_key"] is None  # text too short
        case = again.get("cases", "C-000001")  # schema 4: carried onto the case
        assert case["contacts"] == ["kakao:old_id7", PHONE] and case["text_key"] is None
        assert [e["entity"] for e in again.events() if e["type"] == "case.linked"] == [
            "case:C-000001"
        ]
        assert again.verify().ok


@pytest.mark.parametrize(("scan", "walk"), [(200, 12_800), (0, 12_800), (0, 0)])
@pytest.mark.parametrize("limit", [1, 2, 10])
def test_a_large_network_ranks_linked_precedents_as_a_small_one_does(
    net, monkeypatch, limit, scan, walk
):
    """Past FEW_ACCOUNTS linked accounts the store's ranking is read instead of every
    linked account's decisions (its top LINKED_SCAN, then windows 8x as deep up to
    LINKED_WALK_MAX, else with the other accounts passed over): the same list."""
    from appeals_tui.services import precedents

    s = net("minji")
    decide(
        s,
        case_for(s, "P4"),
        DecisionDraft("remove_content", ["CSS-3"], dict(PROMO), "Same profile, not linked."),
    )
    target = case_for(s, "P3")
    assert networks.linked_accounts(s, target) == set(networks.links_for_case(s, target).accounts)
    # asked about candidates only (large networks), the same accounts are linked
    everyone = {d["subject"]["account"] for d in s.ws.query("cases").rows}
    assert networks.linked_among(s, target, everyone) == networks.linked_accounts(s, target)
    some = sorted(everyone)[::2]
    assert networks.linked_among(s, target, some) == networks.linked_accounts(s, target) & set(some)
    assert networks.linked_cases_at_most(s, target) >= len(networks.linked_accounts(s, target))

    def ranked() -> list[tuple[str, bool, float]]:
        found = precedents_for_case(s, target, dict(PROMO), clause_ids={"CSS-3"}, limit=limit)
        return [(r.decision["decision_id"], r.linked, r.similarity) for r in found]

    few = ranked()
    assert any(linked for _, linked, _ in few)
    monkeypatch.setattr(precedents, "FEW_ACCOUNTS", 0)
    monkeypatch.setattr(precedents, "LINKED_SCAN", scan)
    monkeypatch.setattr(precedents, "LINKED_WALK_MAX", walk)
    assert ranked() == few


def test_matching_images_link_accounts_into_a_network(tmp_path):
    """#15: PDQ near-duplicate images (services.media_match.image_links) are one more kind
    of link: the demo's reposted comic ties four accounts that share no contact."""
    from appeals_tui.services import demo
    from appeals_tui.services.media_match import image_links
    from appeals_tui.services.session import Session

    demo.build_demo(tmp_path / "demo")
    ws = Workspace.open(tmp_path / "demo")
    try:
        lead = Session.open(ws, "seoyeon")
        pairs = image_links(lead)
        found = [
            n
            for n in networks.list_networks(lead)
            if any(link.startswith("matching image") for link in n.links)
        ]
        assert len(found) == 1
        (network,) = found
        linked = {p.account_a for p in pairs} | {p.account_b for p in pairs}
        assert set(network.accounts) == linked and len(linked) >= 3
        assert len(network.links) == len(pairs)
        first = pairs[0]
        assert f"{first.case_a} ~ {first.case_b} (PDQ distance {first.distance})" in " ".join(
            network.links
        )
        # the phone network is still there, unchanged by the images
        phone = [n for n in networks.list_networks(lead) if "phone +82 10-4827-1936" in n.links]
        assert len(phone) == 1 and phone[0].inconsistent
    finally:
        ws.close()


def test_a_case_links_read_from_the_store_equal_those_read_from_the_link_graph(net, tmp_path):
    """Before a process reads the link graph, one case's links come from the store's
    indexes (the first case a TUI opens); after `warm_links`, from the graph: the same."""
    from appeals_tui.services import link_graph

    s = net("minji")
    base = "살롱 다이어리 ep.1 👜 단골 오빠가 내 생일이라고 명품백을 들고 왔다… 실장님은 너 오늘 운 좋다며 웃었고"
    _import(
        s,
        tmp_path,
        [
            report("D-1", "Q1", account="a_one", content_text=base + " 010-4827-1936"),
            report("D-2", "Q2", account="a_two", content_text=base.replace("ep.1", "ep.2")),
            report("D-3", "Q3", account="yeoksam_toon", content_text=base),
        ],
        "more.jsonl",
    )
    ids = [c["case_id"] for c in s.ws.all("cases")]
    assert link_graph.built_graph(s.ws) is None
    from_store = [networks.links_for_case(s, c, limit=limit) for c in ids for limit in (1, 50)]
    assert link_graph.built_graph(s.ws) is None  # one case's links do not read the graph
    networks.warm_links(s)
    assert link_graph.built_graph(s.ws) is not None
    from_graph = [networks.links_for_case(s, c, limit=limit) for c in ids for limit in (1, 50)]
    assert from_graph == from_store
    assert any(x.linked for x in from_graph)


def test_a_case_in_a_large_text_group_reads_the_link_graph(net, monkeypatch):
    """Past FEW_TEXTS near-duplicate texts, one case's links read the graph instead of
    looking each text up: the same answer."""
    from appeals_tui.services import link_graph

    s = net("minji")
    target = case_for(s, "P3")
    before = networks.links_for_case(s, target)
    assert link_graph.built_graph(s.ws) is None
    monkeypatch.setattr(networks, "FEW_TEXTS", 0)
    assert networks.links_for_case(s, target) == before
    assert link_graph.built_graph(s.ws) is not None


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def on_pg(pg_cluster, tmp_path):
    """Copy an embedded workspace to a fresh PostgreSQL database: (embedded session) ->
    a session on that database (the owner's connection, the embedded session's user)."""
    from pgserver import create_database, drop_database

    from appeals_tui.services.session import Session
    from appeals_tui.store.factory import open_store
    from appeals_tui.store.transfer import transfer

    made = []

    def copy(s):
        name = create_database(pg_cluster)
        transfer(s.ws.location, pg_cluster.url(name))
        store = open_store(pg_cluster.url(name))
        made.append((store, name))
        return Session(ws=store, user=s.user, library=s.library, clock=s.clock)

    yield copy
    for store, name in made:
        store.close()
        drop_database(pg_cluster, name)


def _no_graph(monkeypatch):
    """Make reading the whole link graph fail (PostgreSQL must never do it for one case)."""
    from appeals_tui.services import link_graph

    def refuse(store):
        raise AssertionError("graph_for called")

    monkeypatch.setattr(networks, "graph_for", refuse)
    monkeypatch.setattr(link_graph, "graph_for", refuse)


def test_on_postgresql_a_cases_links_equal_the_graphs_without_reading_it(
    net, tmp_path, on_pg, monkeypatch
):
    s = net("minji")
    # near-duplicate texts on other accounts, one also sharing the phone
    text = "살롱 다이어리 ep.1 단골 오빠가 내 생일이라고 명품백을 들고 왔다 실장님은 웃었고"
    _import(
        s,
        tmp_path,
        [
            report("N-5", "P5", account="salon_a", content_text=text),
            report("N-6", "P6", account="salon_b", content_text=text.replace("ep.1", "ep.2")),
            report("N-7", "P7", account="salon_c", content_text=text + " 010-4827-1936"),
            report("N-8", "P8", account="salon_a", content_text=text.replace("ep.1", "ep.3")),
        ],
        "more.jsonl",
    )
    networks.graph_for(s.ws)  # embedded: answers from the graph
    cases = [case_for(s, f"P{n}") for n in range(1, 9)]
    want = {(c, lim): networks.links_for_case(s, c, limit=lim) for c in cases for lim in (0, 1, 50)}
    assert want[(case_for(s, "P7"), 50)].total == 6  # the phone's three, the texts' three
    pg = on_pg(s)
    _no_graph(monkeypatch)
    networks.warm_links(pg)
    assert networks.built_graph(pg.ws) is None  # warming built nothing
    for (c, lim), expected in want.items():
        assert networks.links_for_case(pg, c, limit=lim) == expected, (c, lim)


def test_on_postgresql_a_contact_shared_past_the_limit_lists_the_newest_and_counts_all(
    sessions, tmp_path, on_pg, monkeypatch
):
    s = sessions("minji")
    rows = [
        report(
            f"S-{n}", f"Q{n}", account=f"acct_{n % 9}", content_text=f"건 {n} 문의 010-4827-1936"
        )
        for n in range(30)
    ]
    _import(s, tmp_path, rows)
    pg = on_pg(s)
    _no_graph(monkeypatch)
    first = case_for(pg, "Q0")  # acct_0, like Q9, Q18 and Q27: not others' cases
    links = networks.links_for_case(pg, first, limit=4)
    others = sorted((case_for(pg, f"Q{n}") for n in range(30) if n % 9), reverse=True)
    assert [x.case_id for x in links.linked] == others[:4]
    assert links.total == len(others) == 26
    assert links.account_total == 8 and not links.accounts_capped
    assert links.accounts == [f"acct_{n}" for n in range(1, 9)]
    # past ACCOUNTS_COUNTED linked cases: the accounts of the cases read, marked capped
    monkeypatch.setattr(networks, "ACCOUNTS_COUNTED", 10)
    capped = networks.links_for_case(pg, first, limit=4)
    assert capped.total == 26 and capped.accounts_capped
    assert capped.account_total == len({x.account for x in capped.linked}) <= 4


@pytest.mark.parametrize(("scan", "walk"), [(200, 12_800), (0, 12_800), (0, 0)])
def test_on_postgresql_a_large_network_ranks_linked_precedents_as_the_embedded_store(
    net, on_pg, monkeypatch, scan, walk
):
    """The large-network walk on PostgreSQL (`tops` read as a few fields, then the
    kept decisions read whole) gives the embedded store's small-network list, with
    whole decision records."""
    from appeals_tui.services import precedents

    s = net("minji")
    decide(
        s,
        case_for(s, "P4"),
        DecisionDraft("remove_content", ["CSS-3"], dict(PROMO), "Same profile, not linked."),
    )
    target = case_for(s, "P3")

    def ranked(session, limit):
        found = precedents_for_case(session, target, dict(PROMO), clause_ids={"CSS-3"}, limit=limit)
        return found, [(r.decision["decision_id"], r.linked, r.similarity) for r in found]

    few = {limit: ranked(s, limit)[1] for limit in (1, 10)}
    assert any(linked for _, linked, _ in few[10])
    pg = on_pg(s)
    monkeypatch.setattr(precedents, "FEW_ACCOUNTS", 0)
    monkeypatch.setattr(precedents, "LINKED_SCAN", scan)
    monkeypatch.setattr(precedents, "LINKED_WALK_MAX", walk)
    for limit in (1, 10):
        found, listed = ranked(pg, limit)
        assert listed == few[limit]
        for r in found:
            assert r.decision == pg.ws.get("decisions", r.decision["decision_id"])


def test_a_large_network_on_saved_indexes_ranks_as_the_full_computation(net, monkeypatch):
    """A fresh process on a compacted workspace asks which window accounts are linked
    from the saved indexes' record numbers (no link read): the same linked accounts and
    the same list as every linked account's decisions ranked here."""
    from appeals_tui.services import precedents
    from appeals_tui.services.session import Session

    s = net("minji")
    decide(
        s,
        case_for(s, "P4"),
        DecisionDraft("remove_content", ["CSS-3"], dict(PROMO), "Same profile, not linked."),
    )
    target = case_for(s, "P3")

    def ranked(session: Session) -> list[tuple[str, bool, float]]:
        found = precedents_for_case(session, target, dict(PROMO), clause_ids={"CSS-3"})
        return [(r.decision["decision_id"], r.linked, r.similarity) for r in found]

    full = ranked(s)  # a small network: every linked account's decisions
    linked = networks.linked_accounts(s, target)
    everyone = {d["subject"]["account"] for d in s.ws.query("cases").rows}
    assert linked and any(is_linked for _, is_linked, _ in full)
    s.ws.compact()  # saves every index file
    with Workspace.open(s.ws.location) as ws:
        fresh = Session.open(ws, "minji", clock=s.clock)
        networks.linked_accounts(fresh, target)  # opens the saved copies
        with monkeypatch.context() as m:

            def refuse(*_a, **_k):
                raise AssertionError("read the links")

            m.setattr(Workspace, "_by_keys", refuse)
            assert networks.linked_among(fresh, target, everyone) == linked
            some = sorted(everyone)[::2]
            assert networks.linked_among(fresh, target, some) == linked & set(some)
        monkeypatch.setattr(precedents, "FEW_ACCOUNTS", 0)
        assert ranked(fresh) == full
