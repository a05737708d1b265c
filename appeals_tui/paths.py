"""Where shipped data and the default workspace live."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "default_workspace_dir"]


def data_dir() -> Path:
    """The shipped `data/` folder: inside the wheel, or beside the package in a checkout."""
    installed = Path(__file__).parent / "data"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "data"


def default_workspace_dir() -> Path:
    """`APPEALS_DATA_DIR`, else the platform's user data dir."""
    env = os.environ.get("APPEALS_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs  # not for a command given --database or APPEALS_DATA_DIR

    return Path(platformdirs.user_data_dir("appeals-tui", appauthor=False))
