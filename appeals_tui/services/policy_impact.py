"""A policy change's impact, shown before anything changes.

Why: when leads change a clause or a rule, nobody could see which past decisions the
change would flip. A draft is a JSON file naming a new `library_version` and any of:
`clauses` (new clause versions or new clauses, appended to the library), `rules`
(the whole new rule list, e.g. one reordered or added) and `similarity` (new
weights). It is merged with the current library and validated by the same loader,
so every problem is named. `policy_impact` then lists every standing decision whose
guidance would change under the draft, grouped by (old action -> new action, new
clause), with counts per clause and moderator and sample decisions. Nothing is
written.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.errors import ValidationError
from ..domain.guidance import recommend
from ..domain.jsontypes import JsonObject
from ..domain.policy import FILES, PolicyLibrary
from ..paths import data_dir
from ..store.protocol import Filter, Op
from .permissions import require_lead
from .policy_versions import _current_files, published_versions
from .session import Session
from .text_files import read_text_file

__all__ = [
    "PolicyDraft",
    "GuidanceChange",
    "ImpactGroup",
    "PolicyImpact",
    "load_draft",
    "impact_of",
    "policy_impact",
]

_KEYS = {"library_version", "description", "clauses", "rules", "similarity"}
#: a draft is a few clauses and rules (the whole shipped library is ~55 kB)
MAX_DRAFT_BYTES = 4 << 20
SAMPLES = 5


@dataclass
class PolicyDraft:
    library: PolicyLibrary
    files: JsonObject  # the merged clauses.json, rubric.json, sor.json
    sha256: str  # of the draft file's bytes
    description: str


def _draft_problems(name: str, draft: Any, current: str, taken: Collection[str] = ()) -> list[str]:
    if not isinstance(draft, dict):
        return [f"{name}: top level must be an object"]
    problems = [
        f"{name}: {k}: unknown key; known: {', '.join(sorted(_KEYS))}"
        for k in draft
        if k not in _KEYS
    ]
    version = draft.get("library_version")
    if not isinstance(version, str) or not version.strip():
        problems.append(f"{name}: library_version: required (a new version name)")
    elif len(version) > 64 or not version.isprintable() or version != version.strip():
        # every later decision records it and every list shows it: a name, not a text
        problems.append(
            f"{name}: library_version: at most 64 printable characters, no leading or "
            "trailing space (e.g. 2027.01-1)"
        )
    elif version == current:
        problems.append(
            f"{name}: library_version: '{version}' is the current version; name a new one"
        )
    elif version in taken:
        problems.append(
            f"{name}: library_version: '{version}' was published before; name a new one"
        )
    for key, kind in (("clauses", list), ("rules", list), ("similarity", dict)):
        if key in draft and not isinstance(draft[key], kind):
            problems.append(f"{name}: {key}: must be a {kind.__name__}")
    if not any(k in draft for k in ("clauses", "rules", "similarity")):
        problems.append(f"{name}: nothing to change: give clauses, rules or similarity")
    return problems


def load_draft(
    path: Path,
    base: Path | None = None,
    *,
    files: Mapping[str, Any] | None = None,
    taken: Collection[str] = (),
) -> PolicyDraft:
    """Merge the draft at `path` with the library `files` (default: those in the folder
    `base`, else the shipped library) and validate the result; ValidationError names
    every problem. `taken`: library versions a new one must not reuse."""
    path = Path(path)
    text = read_text_file(path, MAX_DRAFT_BYTES, "draft file")
    raw_bytes = text.encode("utf-8")  # the file's bytes: strict UTF-8 round-trips exactly
    try:
        draft = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = f"{path.name}: cannot read: {exc}"
        raise ValidationError(msg, [msg]) from None
    if files is None:
        folder = Path(base or data_dir() / "policy")
        files = {n: json.loads((folder / n).read_text(encoding="utf-8")) for n in FILES}
    merged = copy.deepcopy(dict(files))
    current = merged["clauses.json"].get("library_version", "")
    problems = _draft_problems(path.name, draft, current, taken)
    if problems:
        raise ValidationError(f"draft {path.name} is invalid ({_count(problems)})", problems)
    merged["clauses.json"]["library_version"] = draft["library_version"]
    merged["clauses.json"]["clauses"] = [
        *merged["clauses.json"]["clauses"],
        *draft.get("clauses", []),
    ]
    if "rules" in draft:
        merged["rubric.json"]["rules"] = draft["rules"]
    if "similarity" in draft:
        merged["rubric.json"]["similarity"] = draft["similarity"]
    try:
        library = PolicyLibrary.parse(merged, f"draft {path.name}")
    except ValidationError as exc:
        raise ValidationError(
            f"draft {path.name} makes an invalid library ({_count(exc.problems)})",
            [f"{path.name} -> {p}" for p in exc.problems],
        ) from None
    return PolicyDraft(
        library, merged, hashlib.sha256(raw_bytes).hexdigest(), str(draft.get("description", ""))
    )


def _count(problems: list[str]) -> str:
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"


@dataclass(frozen=True)
class GuidanceChange:
    """One standing decision whose guidance the draft changes."""

    decision_id: str
    case_id: str
    moderator: str
    action: str  # what the decision did
    clauses: tuple[str, ...]  # the clauses it cited
    old_action: str  # guidance under the current library
    old_clause: str
    new_action: str  # guidance under the draft
    new_clause: str


@dataclass
class ImpactGroup:
    old_action: str
    new_action: str
    new_clause: str
    count: int
    samples: list[str]  # decision ids to open


@dataclass
class PolicyImpact:
    from_version: str
    to_version: str
    draft_sha256: str
    standing: int  # standing decisions looked at
    affected: list[str] = field(default_factory=list)  # decision ids
    groups: list[ImpactGroup] = field(default_factory=list)
    per_clause: dict[str, int] = field(default_factory=dict)  # the decision's own clauses
    per_moderator: dict[str, int] = field(default_factory=dict)
    changes: list[GuidanceChange] = field(default_factory=list)  # one per affected decision

    def to_dict(self) -> JsonObject:
        return {
            "from_version": self.from_version,
            "to_version": self.to_version,
            "draft_sha256": self.draft_sha256,
            "standing": self.standing,
            "affected": len(self.affected),
            "decisions": self.affected,
            "groups": [dataclasses.asdict(g) for g in self.groups],
            "per_clause": self.per_clause,
            "per_moderator": self.per_moderator,
        }


def policy_impact(session: Session, draft_path: Path) -> PolicyImpact:
    """Every standing decision whose guidance the draft would change (leads; writes nothing).
    The draft is merged into the library in force on this workspace."""
    require_lead(session, "see a policy draft's impact")
    session.sync_library()
    taken = [v.library_version for v in published_versions(session.ws)]
    draft = load_draft(draft_path, files=_current_files(session.ws), taken=taken)
    return impact_of(session, draft)


def impact_of(session: Session, draft: PolicyDraft) -> PolicyImpact:
    """`policy_impact` for a loaded draft (publish computes the re-reviews from this)."""
    require_lead(session, "see a policy draft's impact")
    standing = session.ws.query(
        "decisions",
        [Filter("superseded_by", Op.IS_NULL), Filter("appeal_outcome", Op.NE, "overturned")],
    ).rows
    impact = PolicyImpact(
        session.library.library_version, draft.library.library_version, draft.sha256, len(standing)
    )
    groups: dict[tuple[str, str, str], ImpactGroup] = {}
    clauses: Counter[str] = Counter()
    moderators: Counter[str] = Counter()
    for d in standing:
        now = recommend(d["factors"], d.get("jurisdiction"), session.library)
        then = recommend(d["factors"], d.get("jurisdiction"), draft.library)
        if (now.action, now.clause_id) == (then.action, then.clause_id):
            continue
        impact.affected.append(d["decision_id"])
        cited = tuple(c["id"] for c in d.get("clauses") or ())
        impact.changes.append(
            GuidanceChange(
                decision_id=d["decision_id"],
                case_id=d["case_id"],
                moderator=d.get("moderator", ""),
                action=d["action"],
                clauses=cited,
                old_action=now.action,
                old_clause=now.clause_id,
                new_action=then.action,
                new_clause=then.clause_id,
            )
        )
        key = (d["action"], then.action, then.clause_id)
        group = groups.setdefault(key, ImpactGroup(d["action"], then.action, then.clause_id, 0, []))
        group.count += 1
        if len(group.samples) < SAMPLES:
            group.samples.append(d["decision_id"])
        clauses.update(set(cited))
        moderators[d.get("moderator", "")] += 1
    impact.groups = sorted(groups.values(), key=lambda g: (-g.count, g.old_action, g.new_action))
    impact.per_clause = dict(sorted(clauses.items()))
    impact.per_moderator = dict(sorted(moderators.items()))
    return impact
