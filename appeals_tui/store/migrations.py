"""Schema migrations, applied on open when the workspace's schema_version is older.

Why: stored documents outlive the code that wrote them. MIGRATIONS[v] upgrades a
workspace from schema v to v+1 inside one journaled transaction, so a crash
mid-migration leaves the old schema intact and the next open retries.

A migration that rewrites a record per case does most of its work first in parts
(`PARTS[v]`: one bounded, journaled transaction each, idempotent), so a 100k
workspace never holds every rewritten record in one transaction's memory; a crash
between parts keeps the parts done (each is a whole transaction) and the next open
carries on; MIGRATIONS[v] then finishes (whatever parts left) and sets the version.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

from appeals_tui.domain.errors import StoreError
from appeals_tui.store.attest import META_TABLE, digest, record_name

if TYPE_CHECKING:
    from appeals_tui.store.txn import Txn

__all__ = ["MIGRATIONS", "PARTS", "migrate", "migrate_part"]

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


#: cases moved per transaction by the schema-3 -> 4 migration's parts
LINKS_PART = 5000


def _links_onto_cases(txn: Txn, after: str | None, limit: int | None) -> str | None:
    """Copy the contacts and text key of `case_links` records (keys after `after`, in
    order) onto their cases not carrying them yet (version + 1), up to `limit` cases
    (None: all), with one event. Returns the last key looked at when it stopped at
    `limit`, None when it went through to the end.

    The `case_links` records stay (old chains attest them: `verify`, `appeals migrate`)."""
    keys = sorted(txn.docs("case_links"))
    moved = 0
    for case_id in keys[bisect.bisect_right(keys, after) if after is not None else 0 :]:
        case = txn.get("cases", case_id)
        if case is not None and "text_key" not in case:  # else none, or carried already
            links = txn.get("case_links", case_id) or {}
            fields = {"contacts": list(links.get("contacts") or ()), "text_key": None}
            fields["text_key"] = links.get("text_key")
            txn.update("cases", case_id, fields)
            moved += 1
        if limit is not None and moved >= limit:
            after = case_id
            break
    else:
        after = None
    if moved:
        txn.event("cases.links_moved", "workspace", {"cases": moved})
    return after


def _links_onto_cases_3_to_4(txn: Txn) -> None:
    """Schema 4 keeps each case's contacts and text key on the case record (`cases`
    fields `contacts` and `text_key`), so an import writes one record per case."""
    _links_onto_cases(txn, None, None)


MIGRATIONS[3] = _links_onto_cases_3_to_4

#: schema v -> one bounded part of MIGRATIONS[v]: (txn, where the last part stopped)
#: -> where this one stopped, None when it reached the end (MIGRATIONS[v] then has
#: nothing left to do: `migrate(..., parted=True)` skips it)
PARTS: dict[int, Callable[[Txn, str | None], str | None]] = {
    3: lambda txn, after: _links_onto_cases(txn, after, LINKS_PART),
}


def migrate_part(txn: Txn, current: int, after: str | None) -> str | None:
    """One part of the migration from `current` after `after` (see PARTS); None: the
    parts are done (or it has none)."""
    part = PARTS.get(current)
    return None if part is None else part(txn, after)


def migrate(txn: Txn, current: int, target: int, *, parted: bool = False) -> None:
    """Run MIGRATIONS[current] .. MIGRATIONS[target-1] and record the new version
    (`parted`: PARTS[current] did all of MIGRATIONS[current] in this transaction)."""
    for version in range(current, target):
        if parted and version == current and version in PARTS:
            txn.set_meta("schema_version", version + 1)
            continue
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"no migration from workspace schema {version} to {version + 1}")
        step(txn)
        txn.set_meta("schema_version", version + 1)
    txn.event("schema.migrated", "workspace", {"from": current, "to": target})
