"""Storage for appeals-tui: the `Store` protocol services use (protocol.py, with the
declared schema.py) and its backends, chosen by factory.py. The embedded backend is
a journal + snapshot under a file lock with TinyDB as the query layer and a
hash-chained audit log. Never imports the UI.

Names are imported lazily: importing the protocol does not load a backend."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "Store",
    "Transaction",
    "Filter",
    "Op",
    "Order",
    "Page",
    "Rows",
    "Group",
    "ChainHead",
    "VerifyResult",
    "open_store",
    "create_store",
    "store_exists",
    "verify_store",
    "Workspace",
    "Txn",
]

_WHERE = {
    "Workspace": "workspace",
    "Txn": "txn",
    "open_store": "factory",
    "create_store": "factory",
    "store_exists": "factory",
    "verify_store": "factory",
}


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(f"{__name__}.{_WHERE.get(name, 'protocol')}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
