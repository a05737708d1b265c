"""Keystroke budgets (issue #13): a whole decision from the queue, counted key by key.

Characters of the reasoning (and divergence reason) are not counted; every other key
is. The counts are printed (`pytest -s`) and quoted in the closing note.
"""

from __future__ import annotations

from textual.pilot import Pilot

from appeals_tui.domain.models import FACTORS
from appeals_tui.ui.app import make_app
from appeals_tui.ui.screens.batch import BatchScreen
from appeals_tui.ui.screens.decide import DecideScreen
from appeals_tui.ui.screens.queue import QueueScreen
from appeals_tui.ui.screens.review import ReviewScreen
from appeals_tui.ui.widgets.appeal_dialogs import AppealConfirm
from tests.conftest import GLAMOUR, PROMO, removal, report
from tests.ui.appeal_fixtures import appealed

from .conftest import import_rows, settle

REASON = "Glamorizing salon comic with gifts from clients; no contact or price shown."
WHY = "The same account posted this as a paid series; suspension stops the next episodes."


class Keys:
    """Presses keys through the pilot and counts them (typed text is not counted)."""

    def __init__(self, pilot: Pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)
        await settle(self.pilot)

    async def type(self, text: str) -> None:
        """Typed into the focused text area, not counted (reasoning)."""
        await self.pilot.press(*text)


def answers(profile: dict[str, bool]) -> list[str]:
    return ["y" if profile[name] else "n" for name in FACTORS]


async def test_decision_following_guidance_within_16_keys(app, minji):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        first = queue.highlighted_case()
        keys_in_queue = [str(k.value) for k in queue.query_one("DataTable").rows]
        keys = Keys(pilot)
        await keys.press("d")  # open Decide on the highlighted case
        assert isinstance(app.screen, DecideScreen) and app.screen.case_id == first
        for key in answers(GLAMOUR):
            await keys.press(key)
        await keys.press("ctrl+g")  # take guidance; focus moves to the reasoning
        await keys.type(REASON)
        await keys.press("ctrl+n")  # save and open the next case
        assert isinstance(app.screen, AppealConfirm)
        await keys.press("n")  # the notice: later
        print(f"\nkeys, queue -> saved decision following guidance: {keys.count}")
        assert keys.count <= 16
        decision = minji.ws.get("decisions", minji.ws.get("cases", first)["decision_id"])
        assert decision["action"] == decision["guidance"]["action"]
        assert decision["reasoning"] == REASON
        nxt = app.screen
        assert isinstance(nxt, DecideScreen)
        assert nxt.case_id == keys_in_queue[keys_in_queue.index(first) + 1]


async def test_decision_departing_from_guidance_within_20_keys(app, minji):
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        first = app.screen.highlighted_case()
        keys = Keys(pilot)
        await keys.press("d")
        for key in answers(PROMO):
            await keys.press(key)
        await keys.press("ctrl+g")  # remove_content under CSS-3
        await keys.press("ctrl+t")  # choose another action
        await keys.press("s", "enter")  # suspend_account
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.focused is app.screen.query_one("#reasoning")
        await keys.type("Promotion with a contact ID for booking in the last panel.")
        await keys.press("tab")  # to the divergence reason
        assert app.focused is app.screen.query_one("#divergence-reason")
        await keys.type(WHY)
        await keys.press("ctrl+n")
        await keys.press("n")
        print(f"\nkeys, queue -> saved decision departing from guidance: {keys.count}")
        assert keys.count <= 20
        decision = minji.ws.get("decisions", minji.ws.get("cases", first)["decision_id"])
        assert decision["action"] == "suspend_account" and decision["diverged"]
        assert decision["divergence_reason"] == WHY


async def test_batch_of_an_account_within_16_keys(app, minji, tmp_path):
    rows = [report(f"K-{i}", f"K{i}", account="acct_keys", views=9_000_000) for i in (1, 2, 3)]
    import_rows(minji, tmp_path, rows)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        keys = Keys(pilot)
        await keys.press("enter")  # the case (most urgent: the account's reach)
        await keys.press("b")  # work the whole account
        assert isinstance(app.screen, BatchScreen) and app.screen.account == "acct_keys"
        await keys.press("tab")  # from the case list to the factors
        for key in answers(GLAMOUR):
            await keys.press(key)
        await keys.press("ctrl+g")
        await keys.type(REASON)
        await keys.press("ctrl+s")
        await keys.press("n")
        print(f"\nkeys, queue -> 3 cases of one account decided: {keys.count}")
        assert keys.count <= 16
        decided = [d for d in minji.ws.all("decisions") if d["account"] == "acct_keys"]
        assert len(decided) == 3 and {d["action"] for d in decided} == {"geo_block"}


async def test_appeal_review_keys(sessions):
    d, a = appealed(sessions)
    async with make_app(sessions("daniel")).run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        keys = Keys(pilot)
        await keys.press("f3")
        await keys.press("c")  # claim
        await keys.press("enter")  # open the review
        assert isinstance(pilot.app.screen, ReviewScreen)
        await keys.press("o")  # to the outcome (upheld is preselected)
        while pilot.app.focused is not pilot.app.screen.query_one("#outcome-reasoning"):
            await keys.press("tab")
            assert keys.count < 40
        await keys.type("The comic ends with a KakaoTalk ID for booking; promotion stands.")
        await keys.press("ctrl+s")
        print(f"\nkeys, appeals queue -> resolved appeal (upheld): {keys.count}")
        appeal = sessions("daniel").ws.get("appeals", a.appeal_id)
        assert appeal["status"] == "resolved" and appeal["outcome"] == "upheld"
        assert removal is not None and d.decision_id == appeal["decision_id"]
