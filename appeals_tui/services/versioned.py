"""Loading a record inside a transaction, refusing a stale version up front."""

from __future__ import annotations

from typing import Any

from ..domain.errors import ConflictError, NotFound
from ..store.protocol import Transaction as Txn

__all__: list[str] = []  # services-internal: transactions update stored fields by name


def _load_versioned(
    txn: Txn, table: str, noun: str, key: str, expected_version: int | None
) -> dict[str, Any]:
    """The record, or NotFound; ConflictError if it changed since `expected_version`."""
    doc = txn.get(table, key)
    if doc is None:
        raise NotFound(f"{noun} '{key}' not found")
    if expected_version is not None and doc["version"] != expected_version:
        raise ConflictError(
            f"{noun} {key} changed since you loaded it (version {expected_version}, now "
            f"{doc['version']}); reload and try again"
        )
    return doc
