"""SVG snapshots of the moderator's screens (fixed clock, fixed workspace, no cursor blink)."""

from __future__ import annotations

import pytest

from appeals_tui.services.decisions import DecisionDraft
from appeals_tui.ui.screens.case import CaseScreen
from appeals_tui.ui.screens.decide import DecideScreen
from tests.conftest import GLAMOUR, case_for

from .conftest import settle, until

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


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_decide_snapshot(snap_compare, app, minji, size):
    """Decide shows the content beside the form, and the reasoning, even at 80x24."""
    cid = case_for(minji, "S1")

    async def ready(pilot):
        await settle(pilot)
        await pilot.app.push_screen(DecideScreen(cid))
        await settle(pilot)
        draft = pilot.app.screen.form
        draft.load(DecisionDraft("remove_content", ["CSS-1"], dict(GLAMOUR), REASON))
        await until(pilot, lambda: draft.divergence_required)  # the live check shown
        pilot.app.set_focus(None)
        screen = pilot.app.screen
        form = screen.query_one("#decision-form").region
        for widget_id in ("#decide-content", "#reasoning"):
            assert form.overlaps(screen.query_one(widget_id).region), widget_id

    assert snap_compare(app, terminal_size=size, run_before=ready)
