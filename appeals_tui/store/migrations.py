"""Schema migrations, applied on open when the workspace's schema_version is older.

Why: stored documents outlive the code that wrote them. MIGRATIONS[v] upgrades a
workspace from schema v to v+1 inside one journaled transaction, so a crash
mid-migration leaves the old schema intact and the next open retries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from appeals_tui.domain.errors import StoreError

if TYPE_CHECKING:
    from appeals_tui.store.txn import Txn

__all__ = ["MIGRATIONS", "migrate"]

MIGRATIONS: dict[int, Callable[[Txn], None]] = {}


def _contacts_1_to_2(txn: Txn) -> None:
    """Schema 2 stores each case's means of contact (normalised) on the case."""
    from appeals_tui.domain.contacts import extract_contacts

    for case in txn.all("cases"):
        reports = [txn.get("reports", rid) or {} for rid in case.get("report_ids") or ()]
        texts = [case.get("content_text"), case.get("media_description")]
        for r in reports:
            texts += [r.get("content_text"), r.get("media_description"), r.get("reason")]
        found = extract_contacts(texts, case.get("jurisdiction"))
        if found and found != case.get("contacts"):
            txn.update("cases", case["case_id"], {"contacts": found})
            txn.event("case.contacts", f"case:{case['case_id']}", {"contacts": found})


MIGRATIONS[1] = _contacts_1_to_2


def migrate(txn: Txn, current: int, target: int) -> None:
    """Run MIGRATIONS[current] .. MIGRATIONS[target-1] and record the new version."""
    for version in range(current, target):
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"no migration from workspace schema {version} to {version + 1}")
        step(txn)
        txn.set_meta("schema_version", version + 1)
    txn.event("schema.migrated", "workspace", {"from": current, "to": target})
