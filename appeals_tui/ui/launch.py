"""Open the TUI on a workspace; errors before the app starts reach the CLI's handler."""

from __future__ import annotations

import sys
from pathlib import Path

from ..domain.text import visible

__all__ = ["launch"]


def launch(data_dir: Path | str, user: str | None, default: str | None = None) -> None:
    """Open the workspace as `user` (else $APPEALS_USER; `default` preferred when neither
    names anyone; always a roster user mapped to this login) and run the app."""
    from ..services.session import Session, open_workspace
    from .app import make_app
    from .widgets.media_viewer import prepare_terminal

    ws = open_workspace(data_dir)
    for warning in getattr(ws, "warnings", ()):  # loose file modes, read-only workspace
        print(f"warning: {visible(warning, keep_newlines=False)}", file=sys.stderr)
    prepare_terminal()  # before Textual reads stdin: see its docstring
    session = Session.open(ws, user, default=default)
    make_app(session).run()
