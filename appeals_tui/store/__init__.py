"""Durable, multi-process storage for appeals-tui: journal + snapshot under a file lock,
TinyDB as the query layer, a hash-chained audit log. Never imports the UI."""

from appeals_tui.store.audit import VerifyResult
from appeals_tui.store.txn import Txn
from appeals_tui.store.workspace import Workspace

__all__ = ["Workspace", "Txn", "VerifyResult"]
