"""Progress for long CLI work on stderr, and Ctrl-C that stops at a safe point.

`long_work(ctx, label, stopped=...)` yields a `Progress` callback to hand to a service.
On a terminal (and without --json) it draws a Rich progress bar per phase with counts,
rate and time left; otherwise it draws nothing, so piped output stays byte for byte what
it was. While it is active, Ctrl-C only sets a flag: the next progress call raises
KeyboardInterrupt, which services place where stopping leaves the workspace unchanged.
The command then prints one line (`stopped`) and exits 130. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

from ..cli import wants_json
from ..domain.progress import Progress

__all__ = ["long_work", "ProgressBar", "shows_progress"]


class _Count(ProgressColumn):
    """`done/total` items, or sizes for a phase counted in bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes = DownloadColumn()

    def render(self, task: Any) -> Text:
        if task.fields.get("unit") == "bytes":
            return self.sizes.render(task)
        if task.total is None and not task.completed:
            return Text("")  # a step with nothing to count yet
        total = "?" if task.total is None else f"{int(task.total):,}"
        return Text(f"{int(task.completed):,}/{total}", style="progress.download")


class _Rate(ProgressColumn):
    """Items or bytes per second (Rich's own speed column only counts bytes)."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = TransferSpeedColumn()

    def render(self, task: Any) -> Text:
        if task.fields.get("unit") == "bytes":
            return self.bytes.render(task)
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("" if task.total is None and not task.completed else "–/s")
        return Text(f"{speed:,.0f}/s", style="progress.data.speed")


def shows_progress(ctx: click.Context | None = None) -> bool:
    """A bar only where a person watches: stderr is a terminal and no --json."""
    if ctx is not None and wants_json(ctx):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """One Rich progress display on stderr; each phase gets its own line.

    `bytes_phases` names the phases whose counts are bytes (shown as sizes and MB/s).
    """

    def __init__(self, label: str, bytes_phases: frozenset[str] = frozenset()) -> None:
        self.label = label
        self.bytes_phases = bytes_phases
        self.rich = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            TaskProgressColumn(),
            _Count(),
            _Rate(),
            TextColumn("• left"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            refresh_per_second=8,
            # records written to stdout must stay on stdout, never join the bar on stderr
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task: Any = None
        self.phase: str | None = None

    def __enter__(self) -> ProgressBar:
        self.rich.start()
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:  # the work is done: its last step (maybe uncounted) is complete
            self._finish_task(done=True)
        self.rich.stop()

    def update(self, done: int, total: int | None = None, phase: str | None = None) -> None:
        phase = phase or self.label
        if self.task is None or phase != self.phase:
            self._finish_task()
            self.phase = phase
            unit = "bytes" if phase in self.bytes_phases else "items"
            self.task = self.rich.add_task(phase, total=total, unit=unit)
        if total is not None:
            self.rich.update(self.task, completed=done, total=total)
        else:
            self.rich.update(self.task, completed=done)

    def _finish_task(self, done: bool = False) -> None:
        """Close the current step at what it counted (a step with no count shows as done)."""
        if self.task is not None:
            task = self.rich.tasks[-1]
            total = task.completed if task.completed or not done else 1
            self.rich.update(self.task, total=total, completed=total)


@contextmanager
def long_work(
    ctx: click.Context,
    label: str,
    *,
    stopped: str,
    bytes_phases: frozenset[str] = frozenset(),
    safe_points: bool = True,
) -> Iterator[Progress]:
    """A progress callback for a service; Ctrl-C → `stopped` on stderr and exit 130.

    With `safe_points=False` Ctrl-C stops at once (for work that only touches files it
    removes itself on the way out, such as the benchmark's scratch workspace).
    """
    interrupted = threading.Event()
    in_main = safe_points and threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if in_main else None
    if previous is None:  # set outside Python: put back Python's default on the way out
        previous = signal.default_int_handler

    def on_sigint(signum: int, frame: object) -> None:
        if interrupted.is_set():  # asked twice: stop now
            raise KeyboardInterrupt
        interrupted.set()

    bar = ProgressBar(label, bytes_phases) if shows_progress(ctx) else None

    def progress(done: int, total: int | None = None, phase: str | None = None) -> None:
        if interrupted.is_set():
            raise KeyboardInterrupt
        if bar is not None:
            bar.update(done, total, phase)

    if in_main:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        try:
            if bar is not None:
                with bar:
                    yield progress
            else:
                yield progress
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
    except KeyboardInterrupt:
        click.echo(stopped, err=True)
        raise click.exceptions.Exit(130) from None
