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


def _case_links_1_to_2(txn: Txn) -> None:
    """Schema 2 keeps each case's normalised contacts and text key in `case_links`."""
    from appeals_tui.domain.case_links import link_doc

    for case in txn.all("cases"):
        if txn.get("case_links", case["case_id"]) is not None:
            continue
        reports = [txn.get("reports", rid) or {} for rid in case.get("report_ids") or ()]
        texts = [t for r in reports for t in (r.get("content_text"), r.get("media_description"))]
        doc = link_doc(case, texts + [r.get("reason") for r in reports])
        txn.insert("case_links", case["case_id"], doc)
        txn.event("case.linked", f"case:{case['case_id']}", doc)


MIGRATIONS[1] = _case_links_1_to_2


def migrate(txn: Txn, current: int, target: int) -> None:
    """Run MIGRATIONS[current] .. MIGRATIONS[target-1] and record the new version."""
    for version in range(current, target):
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"no migration from workspace schema {version} to {version + 1}")
        step(txn)
        txn.set_meta("schema_version", version + 1)
    txn.event("schema.migrated", "workspace", {"from": current, "to": target})
