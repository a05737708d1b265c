"""Networks in the TUI: the case's Linked tab, linked precedents, the dashboard's networks,
and a network's open cases worked as one batch."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, SelectionList, Static

from appeals_tui.services.decisions import DecisionDraft, decide
from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.batch import BatchScreen
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.widgets.networks_panel import NetworksPanel
from tests.conftest import PROMO, case_for, factors, report
from tests.ui.conftest import import_rows, settle


@pytest.fixture
def network(session_for, tmp_path):
    minji = session_for("minji")
    import_rows(
        minji,
        tmp_path,
        [
            report("N-1", "P1", account="yeoksam_toon", content_text="실화 웹툰 문의 010-4827-1936"),
            report("N-2", "P2", account="moonlight_kr", content_text="상담 ０１０．４８２７．１９３６ 으로"),
            report("N-3", "P3", account="room_toon", content_text="문의 +82 10 4827 1936 [bold]x[/]"),
        ],
    )  # fmt: skip
    decide(minji, case_for(minji, "P1"), DecisionDraft("remove_content", ["CSS-3"], dict(PROMO), "Webtoon carrying a phone number for booking."))  # fmt: skip
    label = factors(depicts_commercial_sex=True, narrative_framing=True)
    decide(session_for("daniel"), case_for(minji, "P2"), DecisionDraft("label", ["CSS-8"], label, "A narrative reel about a salon, labelled."))  # fmt: skip
    return {s: case_for(minji, s) for s in ("P1", "P2", "P3")}


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_case_linked_tab_and_linked_precedents(app, network):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(CaseScreen(network["P3"]))
        await settle(pilot)
        screen = pilot.app.screen
        linked = text_of(screen, "#case-linked")
        assert "phone +82 10-4827-1936" in linked
        assert "yeoksam_toon" in linked and "remove_content" in linked
        assert "moonlight_kr" in linked and "label" in linked
        assert "Linked (2)" in str(screen.query_one("#case-tabs").get_tab("tab-linked").label)


async def test_precedents_tab_marks_linked_accounts(session_for, network):
    minji = session_for("minji")
    decide(minji, network["P3"], DecisionDraft("remove_content", ["CSS-3"], dict(PROMO), "Same number as the removed webtoon: an advert."))  # fmt: skip
    async with make_app(minji).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(CaseScreen(network["P3"]))
        await settle(pilot)
        precedents = text_of(pilot.app.screen, "#case-precedents")
        assert precedents.count("⛓ linked account") == 2
        assert "@yeoksam_toon" in precedents and "@moonlight_kr" in precedents


async def test_dashboard_flags_the_network_and_opens_its_open_cases(session_for, network):
    lead = session_for("seoyeon")
    async with make_app(lead).run_test(size=(140, 40)) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = pilot.app.screen
        summary = text_of(screen, "#networks-summary")
        assert "1 treated inconsistently" in summary
        # the summary names every kind of link (the demo's first network is images only)
        assert "a contact, near-duplicate content or a matching image" in summary
        table = screen.query_one("#networks", DataTable)
        panel = screen.query_one(NetworksPanel)
        (nid,) = [k for k, n in panel.networks.items() if "room_toon" in n.accounts]
        table.focus()
        table.move_cursor(row=table.get_row_index(nid))
        await settle(pilot)
        row = [str(c) for c in table.get_row_at(table.cursor_row)]
        assert row[1:4] == ["3", "3", "1"] and row[5] == "⚠ inconsistent"
        info = text_of(screen, "#network-info")
        assert f"remove_content: {network['P1']}; label: {network['P2']}" in info
        await pilot.press("enter")
        await settle(pilot)
        batch = pilot.app.screen
        assert isinstance(batch, BatchScreen) and batch.network_id == nid
        listing = batch.query_one(SelectionList)
        assert listing.option_count == 1
        prompt = str(listing.get_option_at_index(0).prompt)
        assert network["P3"] in prompt and "@room_toon" in prompt and "[bold]x[/]" in prompt


async def test_moderators_see_why_not(app, network):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        assert "only lead" in text_of(pilot.app.screen, "#dashboard-summary")


async def test_the_link_graph_is_read_after_the_case_has_painted(app, network, monkeypatch):
    """Reading the link graph holds the GIL for ~1.3 s at 100k cases: the case screen
    starts it only after the case has been on screen a while, never while it paints."""
    import time

    from appeals_tui.ui.screens import case as case_screen

    calls: list[float] = []
    monkeypatch.setattr(case_screen, "WARM_LINKS_AFTER_S", 4.0)  # longer than a loaded settle
    monkeypatch.setattr(case_screen, "warm_links", lambda _s: calls.append(time.monotonic()))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        pushed = time.monotonic()
        await pilot.app.push_screen(CaseScreen(network["P3"]))
        await settle(pilot)
        assert pilot.app.screen.view is not None and calls == []  # painted without it
        for _ in range(300):
            await pilot.pause(0.05)
            if calls:
                break
        assert len(calls) == 1 and calls[0] - pushed >= 4.0  # and read afterwards
