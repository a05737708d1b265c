"""SVG snapshots of the moderator's screens (fixed clock, fixed workspace, no cursor blink)."""

from __future__ import annotations

from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.screens.decide import DecideScreen
from tests.conftest import GLAMOUR, case_for

from .conftest import settle

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."


def test_queue_snapshot(snap_compare, app):
    async def ready(pilot):
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=ready)


def test_case_snapshot(snap_compare, app, minji):
    cid = case_for(minji, "S1")

    async def ready(pilot):
        await settle(pilot)
        await pilot.app.push_screen(CaseScreen(cid))
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=ready)


def test_decide_snapshot(snap_compare, app, minji):
    cid = case_for(minji, "S1")

    async def ready(pilot):
        await settle(pilot)
        await pilot.app.push_screen(DecideScreen(cid))
        await settle(pilot)
        pilot.app.screen.form.load(
            DecisionDraft("remove_content", ["CSS-1"], dict(GLAMOUR), REASON)
        )
        await pilot.pause(0.4)
        await settle(pilot)
        pilot.app.set_focus(None)

    assert snap_compare(app, terminal_size=(120, 36), run_before=ready)
