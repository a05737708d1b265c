"""KeyMap read in place: the same record numbers by binary search and, after many
lookups, from the dict of every key (built from the saved bytes at once)."""

from __future__ import annotations

from array import array

import pytest

from appeals_tui.store import keymap
from appeals_tui.store.keymap import KeyMap


@pytest.mark.parametrize(
    "names",
    [
        [f"C-{i:05d}" for i in range(300)][::-1],
        ["C-00001", "계정_서울", "ＡＢＣ", "x\udcff", "", "C-00002", "😀"],
    ],
    ids=["ascii", "korean-surrogate-empty"],
)
def test_saved_map_answers_the_same_before_and_after_it_turns_into_a_dict(
    names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = KeyMap.from_scan(
        names, {n: i for i, n in enumerate(names)}, array("Q", range(len(names) + 1))
    )
    saved = KeyMap.load(built.dump())
    expected = {n: i for i, n in enumerate(names)}
    assert {n: saved.get(n) for n in names} == expected  # binary search on the saved map
    assert saved.get("nope") is None and saved._dict is None
    monkeypatch.setattr(keymap, "_BULK", 0)
    monkeypatch.setattr(saved, "_probes", len(names) + 1)
    assert {n: saved.get(n) for n in names} == expected  # now from one dict
    assert saved._dict == expected and saved.get("nope") is None
    assert [saved.name(i) for i in range(len(names))] == names


def test_a_batch_that_would_turn_the_map_into_a_dict_turns_it_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = [f"C-{i:05d}" for i in range(100)]
    built = KeyMap.from_scan(
        names, {n: i for i, n in enumerate(names)}, array("Q", range(len(names) + 1))
    )
    saved = KeyMap.load(built.dump())
    monkeypatch.setattr(keymap, "_BULK", 50)
    saved.expect(50)  # 50 searches stay under the threshold: searched, no dict
    assert saved._dict is None
    assert saved.get("C-00003") == 3 and saved._probes == 1
    saved.expect(50)  # 1 + 50 would cross it: the dict now, no search before it
    assert saved._dict is not None and saved._probes == 1
    assert saved.get("C-00042") == 42 and saved.get("nope") is None
    assert saved.name(9) == "C-00009" and saved._names == names
