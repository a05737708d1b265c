"""Schema migrations, applied on open when the workspace's schema_version is older.

Why: stored documents outlive the code that wrote them. MIGRATIONS[v] upgrades a
workspace from schema v to v+1 inside one journaled transaction, so a crash
mid-migration leaves the old schema intact and the next open retries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.attest import META_TABLE, digest, record_name

if TYPE_CHECKING:
    from appeals_tui.store.txn import Txn

__all__ = ["MIGRATIONS", "migrate"]

_ATTEST_BATCH = 2000


def _attest_existing(txn: Txn) -> None:
    """Schema 1 -> 2: put the digest of every existing record and meta value into
    the chain (schema 2 writes one with every change), in events of 2000."""
    digests = {record_name(META_TABLE, k): digest(v) for k, v in txn.meta_items()}
    for table in txn.table_names():
        for doc_key, doc in txn.docs(table).items():
            digests[record_name(table, doc_key)] = digest(doc)
    names = list(digests)
    for at in range(0, len(names), _ATTEST_BATCH):
        part = {n: digests[n] for n in names[at : at + _ATTEST_BATCH]}
        txn.event("records.attested", "workspace", {"records": part})


MIGRATIONS: dict[int, Callable[[Txn], None]] = {1: _attest_existing}


def _case_links_2_to_3(txn: Txn) -> None:
    """Schema 3 keeps each case's normalised contacts and text key in `case_links`."""
    from appeals_tui.domain.case_links import link_doc
    from appeals_tui.store.shipped import default_near_dup_settings

    min_length = default_near_dup_settings().min_length

    for case in txn.all("cases"):
        if txn.get("case_links", case["case_id"]) is not None:
            continue
        reports = [txn.get("reports", rid) or {} for rid in case.get("report_ids") or ()]
        texts = [t for r in reports for t in (r.get("content_text"), r.get("media_description"))]
        doc = link_doc(case, texts + [r.get("reason") for r in reports], min_length=min_length)
        txn.insert("case_links", case["case_id"], doc)
        txn.event("case.linked", f"case:{case['case_id']}", doc)


MIGRATIONS[2] = _case_links_2_to_3


def migrate(txn: Txn, current: int, target: int) -> None:
    """Run MIGRATIONS[current] .. MIGRATIONS[target-1] and record the new version."""
    for version in range(current, target):
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"no migration from workspace schema {version} to {version + 1}")
        step(txn)
        txn.set_meta("schema_version", version + 1)
    txn.event("schema.migrated", "workspace", {"from": current, "to": target})
