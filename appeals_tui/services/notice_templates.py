"""Notice templates and wording in `data/notices/`, and the facts that pick them.

Templates are `string.Template` files (`decision.txt`, `decision.ko.txt`, …) whose
first line may be `Subject: …`; `strings.json` holds per-language phrases.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from string import Template
from typing import Any

from ..domain.errors import ValidationError
from ..domain.sources import detection_sources
from ..paths import data_dir

__all__ = ["LANGS", "templates", "detection_sources", "pick_lang"]

LANGS = ("en", "ko")


def _folder() -> Path:
    return data_dir() / "notices"


@functools.cache
def _strings() -> dict[str, Any]:
    strings: dict[str, Any] = json.loads((_folder() / "strings.json").read_text(encoding="utf-8"))
    return strings


def templates() -> dict[str, list[str]]:
    """Template name -> languages it exists in, from the files in `data/notices/`."""
    found: dict[str, list[str]] = {}
    for path in sorted(_folder().glob("*.txt")):
        name, _, lang = path.stem.partition(".")
        found.setdefault(name, []).append(lang or "en")
    return found


def _load_template(name: str, lang: str) -> tuple[Template, Template]:
    available = templates()
    if name not in available:
        raise ValidationError(f"template: '{name}' is not one of {', '.join(available)}")
    if lang not in available[name]:
        raise ValidationError(
            f"lang: template '{name}' exists in {', '.join(available[name])}, not '{lang}'"
        )
    path = _folder() / (f"{name}.txt" if lang == "en" else f"{name}.{lang}.txt")
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    if first.startswith("Subject:"):
        return Template(first.removeprefix("Subject:").strip()), Template(rest)
    return Template(name), Template(text)


def pick_lang(jurisdiction: str | None, lang: str | None) -> str:
    """Explicit language, else Korean for a case in KR (its `jurisdiction`), else English."""
    if lang:
        if lang not in LANGS:
            raise ValidationError(f"lang: '{lang}' is not one of {', '.join(LANGS)}")
        return lang
    return "ko" if (jurisdiction or "").upper() == "KR" else "en"
