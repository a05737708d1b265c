"""Open the TUI on a workspace; errors before the app starts reach the CLI's handler."""

from __future__ import annotations

from pathlib import Path

__all__ = ["launch"]


def launch(data_dir: Path, user: str | None, default: str | None = None) -> None:
    from ..services.session import Session, open_workspace
    from .app import make_app
    from .widgets.media_viewer import prepare_terminal

    prepare_terminal()  # before Textual reads stdin: see its docstring
    session = Session.open(open_workspace(data_dir), user, default=default)
    make_app(session).run()
