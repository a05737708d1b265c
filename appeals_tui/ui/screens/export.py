"""Export modal (from History, `x`): choose format and file, watch the progress bar.

The export streams in a thread worker; the service's `progress` callback reaches the
bar through `app.call_from_thread`, so 100k decisions never freeze the screen.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from ...services.export import FORMATS, ExportResult, export_to_path
from ...services.history import HistoryFilter
from ..base import appeals_app
from ..services import call_service, error_text
from ..widgets.appeal_dialogs import AppealConfirm

__all__ = ["ExportScreen"]

_SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "sor": ".sor.jsonl", "sor-api": "-sor-api"}


def _is_file(path: Path) -> bool:
    """Whether the export would replace an existing file or export folder (run in a worker:
    it touches the disk)."""
    return path.is_file() or (path.is_dir() and any(path.iterdir()))


class ExportScreen(ModalScreen[int | None]):
    """Export the decisions the History filter matches; dismisses with the count written."""

    CSS_PATH = "export.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="export-close", tooltip="Close without exporting"),
    ]

    def __init__(self, flt: HistoryFilter, total: int) -> None:
        super().__init__()
        self.flt = flt
        self.total = total
        self.written: int | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Label(Text(f"Export {self.total} decision(s) matching the filter", style="bold"))
            yield Select(
                [
                    ("CSV", "csv"),
                    ("JSON lines", "jsonl"),
                    ("DSA statements of reasons", "sor"),
                    ("DSA statements, API files (folder)", "sor-api"),
                ],
                value="csv",
                allow_blank=False,
                id="export-format",
            )
            yield Input(str(Path.cwd() / "decisions.csv"), id="export-path")
            yield ProgressBar(total=max(self.total, 1), show_eta=True, id="export-progress")
            yield Static("", id="export-rate")
            yield Static("", id="export-status")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-start")
                yield Button("Close", id="export-cancel")

    @on(Select.Changed, "#export-format")
    def _format(self, event: Select.Changed) -> None:
        """Another format changes the path's suffix to match."""
        box = self.query_one("#export-path", Input)
        path = Path(box.value)
        stem = path.name
        for suffix in sorted(_SUFFIX.values(), key=len, reverse=True):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        box.value = str(path.with_name(stem + _SUFFIX[str(event.value)]))

    @on(Button.Pressed, "#export-start")
    @on(Input.Submitted, "#export-path")
    def action_start(self) -> None:
        """Ask before replacing an existing file (checked in a worker), then export."""
        if self.running:
            return
        path = Path(self.query_one("#export-path", Input).value.strip())

        def checked(exists: bool) -> None:
            """Export at once, or ask before replacing an existing file."""
            if not exists:
                self._export(path, force=False)
                return
            question = f"{path} already exists. Replace it with this export?"
            self.app.push_screen(
                AppealConfirm(question, "Replace", "Cancel"),
                lambda yes: self._export(path, force=True) if yes else self._status("not exported"),
            )

        call_service(self, _is_file, path, done=checked, failed=self._failed, group="export")

    def _export(self, path: Path, *, force: bool) -> None:
        """Export in a worker with a progress bar; `force` replaces an existing file."""
        fmt = str(self.query_one("#export-format", Select).value)
        assert fmt in FORMATS
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(self.total, 1), progress=0)
        self.running = True
        self.query_one("#export-start", Button).disabled = True
        self._status(f"exporting to {path} …")
        app = self.app

        started = time.monotonic()

        def progress(done: int, total: int | None = None, phase: str | None = None) -> None:
            """Report progress from the worker thread to the bar."""
            app.call_from_thread(self._progress, done, total or self.total, started)

        call_service(
            self,
            partial(export_to_path, force=force),  # replacing was confirmed by the user
            appeals_app(self).session,
            fmt,
            path,
            self.flt,
            progress,
            done=self._done,
            failed=self._failed,
            group="export",
        )

    def _progress(self, done: int, total: int, started: float) -> None:
        """The same counts and rate the command line shows: `1,500 / 20,316 · 2,100/s`."""
        self.query_one("#export-progress", ProgressBar).update(progress=done, total=max(total, 1))
        elapsed = time.monotonic() - started
        rate = f" · {done / elapsed:,.0f}/s" if elapsed > 0.2 and done else ""
        self.query_one("#export-rate", Static).update(
            Text(f"{done:,} / {total:,} decisions scanned{rate}")
        )

    def _status(self, message: str, *, error: bool = False) -> None:
        """The status line under the form."""
        self.query_one("#export-status", Static).update(
            Text(message, style="bold red" if error else "")
        )

    def _done(self, result: ExportResult) -> None:
        """Say what was written and where."""
        self.running = False
        self.written = result.written
        self.query_one("#export-progress", ProgressBar).update(progress=max(self.total, 1))
        self.query_one("#export-start", Button).disabled = False
        self._status(result.summary())
        self.notify(result.summary(), markup=False)

    def _failed(self, exc: BaseException) -> None:
        """Say why nothing was exported; the form can be used again."""
        self.running = False
        self.query_one("#export-start", Button).disabled = False
        self._status(f"not exported: {error_text(exc)}", error=True)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(self.written)
