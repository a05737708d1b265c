from __future__ import annotations

import pytest

from appeals_tui.domain.models import FACTORS
from appeals_tui.domain.policy import PolicyLibrary
from appeals_tui.store.shipped import load_default


@pytest.fixture(scope="session")
def lib() -> PolicyLibrary:
    return load_default()


@pytest.fixture
def profile():
    """profile("a", "b") -> all ten factors, the named ones yes."""

    def make(*yes: str) -> dict[str, bool]:
        unknown = set(yes) - set(FACTORS)
        assert not unknown, unknown
        return {f: f in yes for f in FACTORS}

    return make
