"""Loading the files shipped in ``data/``: the policy library and the network settings.

Why here: the domain parses and validates these files but does no I/O (an
import-linter contract keeps it so); the store and the services both need them
(a schema migration computes case links; sessions use the library), so the reading
lives at the lowest layer that may touch files.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appeals_tui.domain.errors import ValidationError
from appeals_tui.domain.policy import FILES, PolicyLibrary
from appeals_tui.domain.policy_loader import parse_json_object
from appeals_tui.paths import data_dir

if TYPE_CHECKING:  # near_duplicates imports rapidfuzz: only where texts are compared
    from appeals_tui.domain.near_duplicates import NearDupSettings

__all__ = [
    "load_library",
    "load_default",
    "load_near_dup_settings",
    "default_near_dup_settings",
]


def _read_text(path: Path, problems: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{path.name}: file missing")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: cannot read: {exc}")
    return None


def load_library(folder: Path | None = None) -> PolicyLibrary:
    """The policy library in `folder` (default: the shipped one); ValidationError
    listing every problem in every file."""
    folder = Path(folder) if folder is not None else data_dir() / "policy"
    problems: list[str] = []
    raw: dict[str, Any] = {}
    for name in FILES:
        text = _read_text(folder / name, problems)
        raw[name] = parse_json_object(name, text, problems) if text is not None else None
    raw["read_problems"] = problems
    return PolicyLibrary.parse(raw, str(folder))


@functools.cache
def load_default() -> PolicyLibrary:
    """The shipped library (cached for the process)."""
    return load_library()


def load_near_dup_settings(path: Path) -> NearDupSettings:
    """Read and validate ``networks.json``."""
    from appeals_tui.domain.near_duplicates import parse_settings

    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            f"{name}: cannot read: {exc}", [f"{name}: cannot read: {exc}"]
        ) from exc
    return parse_settings(name, data)


@functools.cache
def default_near_dup_settings() -> NearDupSettings:
    """The shipped ``data/networks.json`` (cached for the process)."""
    return load_near_dup_settings(data_dir() / "networks.json")
