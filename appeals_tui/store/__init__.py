"""Durable, multi-process storage for appeals-tui: journal + snapshot under a file lock,
TinyDB as the query layer, a hash-chained audit log. Never imports the UI.

The names below load on first use, so a caller that only needs a small module of the
store (shell completion reads id counters through `store.peek`) does not pay for TinyDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from appeals_tui.store.audit import VerifyResult
    from appeals_tui.store.txn import Txn
    from appeals_tui.store.workspace import Workspace

__all__ = ["Workspace", "Txn", "VerifyResult"]

_WHERE = {
    "Workspace": "appeals_tui.store.workspace",
    "Txn": "appeals_tui.store.txn",
    "VerifyResult": "appeals_tui.store.audit",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _WHERE:
        raise AttributeError(f"module 'appeals_tui.store' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
