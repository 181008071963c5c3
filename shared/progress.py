"""One progress bar (rich's) for long work on a terminal: ``kefu demo``, the bench loads.

``kefu demo`` sends a few hundred messages and a few dozen requests and waits for the
services to take them in; a bench load COPYs millions of rows. Without a bar that is
silence. Off a terminal (a pipe, CI) rich draws no animation; the summary lines still
come out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class Steps:
    """What the work is doing now and how far along it is."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task

    def grow(self, count: int) -> None:
        """More steps became known (the demo's events, once they are built)."""
        if self._progress is not None and self._task is not None:
            total = self._progress.tasks[self._task].total or 0
            self._progress.update(self._task, total=total + count)

    def now(self, what: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=what)

    def done(self, count: int = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)


@contextmanager
def progress_bar(total: int | None, *, console: Console | None = None) -> Iterator[Steps]:
    """A bar over ``total`` steps; with ``None`` a running count (the total is unknown)."""
    console = console or Console(stderr=True)
    columns = (
        TextColumn("{task.description:<44}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("starting", total=total)
        yield Steps(progress, task)
