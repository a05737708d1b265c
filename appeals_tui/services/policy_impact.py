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

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.errors import ValidationError
from ..domain.guidance import recommend
from ..domain.policy import FILES, PolicyLibrary
from ..paths import data_dir
from ..store.protocol import Filter, Op
from .permissions import require_lead
from .session import Session

__all__ = ["PolicyDraft", "ImpactGroup", "PolicyImpact", "load_draft", "policy_impact"]

_KEYS = {"library_version", "description", "clauses", "rules", "similarity"}
SAMPLES = 5


@dataclass
class PolicyDraft:
    library: PolicyLibrary
    files: dict[str, Any]  # the merged clauses.json, rubric.json, sor.json
    sha256: str  # of the draft file's bytes
    description: str


def _draft_problems(name: str, draft: Any, current: str) -> list[str]:
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
    elif version == current:
        problems.append(
            f"{name}: library_version: '{version}' is the current version; name a new one"
        )
    for key, kind in (("clauses", list), ("rules", list), ("similarity", dict)):
        if key in draft and not isinstance(draft[key], kind):
            problems.append(f"{name}: {key}: must be a {kind.__name__}")
    if not any(k in draft for k in ("clauses", "rules", "similarity")):
        problems.append(f"{name}: nothing to change: give clauses, rules or similarity")
    return problems


def load_draft(path: Path, base: Path | None = None) -> PolicyDraft:
    """Merge the draft at `path` with the library in `base` (default: the shipped one)
    and validate the result; ValidationError names every problem."""
    base = Path(base or data_dir() / "policy")
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
        draft = json.loads(raw_bytes.decode("utf-8"))
    except FileNotFoundError:
        raise ValidationError(
            f"{path}: no such draft file", [f"{path}: no such draft file"]
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path.name}: cannot read: {exc}"
        raise ValidationError(msg, [msg]) from None
    files = {n: json.loads((base / n).read_text(encoding="utf-8")) for n in FILES}
    problems = _draft_problems(path.name, draft, files["clauses.json"].get("library_version", ""))
    if problems:
        raise ValidationError(f"draft {path.name} is invalid ({len(problems)} problems)", problems)
    files["clauses.json"]["library_version"] = draft["library_version"]
    files["clauses.json"]["clauses"] += draft.get("clauses", [])
    if "rules" in draft:
        files["rubric.json"]["rules"] = draft["rules"]
    if "similarity" in draft:
        files["rubric.json"]["similarity"] = draft["similarity"]
    try:
        library = PolicyLibrary.parse(files, f"draft {path.name}")
    except ValidationError as exc:
        raise ValidationError(
            f"draft {path.name} makes an invalid library ({len(exc.problems)} problems)",
            [f"{path.name} -> {p}" for p in exc.problems],
        ) from None
    return PolicyDraft(
        library, files, hashlib.sha256(raw_bytes).hexdigest(), str(draft.get("description", ""))
    )


@dataclass
class ImpactGroup:
    old_action: str
    new_action: str
    new_clause: str
    count: int
    samples: list[str]  # decision ids to open

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_version": self.from_version,
            "to_version": self.to_version,
            "draft_sha256": self.draft_sha256,
            "standing": self.standing,
            "affected": len(self.affected),
            "decisions": self.affected,
            "groups": [g.to_dict() for g in self.groups],
            "per_clause": self.per_clause,
            "per_moderator": self.per_moderator,
        }


def policy_impact(session: Session, draft_path: Path) -> PolicyImpact:
    """Every standing decision whose guidance the draft would change (leads; writes nothing)."""
    require_lead(session, "see a policy draft's impact")
    draft = load_draft(draft_path)
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
        key = (d["action"], then.action, then.clause_id)
        group = groups.setdefault(key, ImpactGroup(d["action"], then.action, then.clause_id, 0, []))
        group.count += 1
        if len(group.samples) < SAMPLES:
            group.samples.append(d["decision_id"])
        clauses.update({c["id"] for c in d.get("clauses") or ()})
        moderators[d.get("moderator", "")] += 1
    impact.groups = sorted(groups.values(), key=lambda g: (-g.count, g.old_action, g.new_action))
    impact.per_clause = dict(sorted(clauses.items()))
    impact.per_moderator = dict(sorted(moderators.items()))
    return impact
