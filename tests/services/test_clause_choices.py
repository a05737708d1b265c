"""The review screen's clause picker: the latest version of every clause, as a read model."""

from __future__ import annotations

from appeals_tui.services.appeal_review import ClauseChoice, clause_choices


def test_clause_choices_are_the_latest_versions(sessions):
    minji = sessions("minji")
    choices = clause_choices(minji)
    latest = {c.id: c for c in minji.library.all_latest()}
    assert choices and all(isinstance(c, ClauseChoice) for c in choices)
    assert {c.id for c in choices} == set(latest)
    for c in choices:
        assert (c.version, c.title) == (latest[c.id].version, latest[c.id].title)
        assert c.actions_allowed == tuple(latest[c.id].actions_allowed)
