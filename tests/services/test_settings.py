"""Workspace settings (`appeals config set`): each within a range that keeps the rules working."""

from __future__ import annotations

import pytest

from appeals_tui.domain.errors import ValidationError
from appeals_tui.services import roster


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        # was `internal error (TypeError: Integer exceeds 64-bit range)` from the journal encoder
        ("appeal_window_days", "99999999999999999999", "at most 3650"),
        # 10**12 days: every deadline computed from it would overflow
        ("appeal_window_days", str(10**12), "at most 3650"),
        ("case_sla_hours", str(10**9), "at most 8760"),
        # of 256 bits unrelated pictures are ~128 apart: everything "matched" (demo: distance 120)
        ("pdq_match_distance", "200", "at most 64"),
        ("strike_threshold", "0", "must be greater than 0"),
    ],
)
def test_a_setting_out_of_range_is_refused_and_nothing_changes(sessions, key, value, problem):
    admin = sessions("root")
    before = roster.get_config(admin)
    head = admin.ws.head()
    with pytest.raises(ValidationError, match=f"setting '{key}': .*{problem}"):
        roster.set_config(admin, key, value)
    assert roster.get_config(admin) == before and admin.ws.head() == head


def test_the_largest_value_of_each_setting_is_kept(sessions):
    admin = sessions("root")
    for key, top in roster.SETTING_MAX.items():
        assert roster.set_config(admin, key, str(top))[key] == top
