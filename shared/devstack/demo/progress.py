"""The progress bar of ``kefu demo``: rich's, one bar over every message and staff action.

The demo sends a few hundred messages and a few dozen requests and waits for the services
to take them in; without a bar that is twenty silent seconds. Off a terminal (a pipe, CI)
rich prints nothing animated, and the summary lines still come out.
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
    """What the demo is doing now and how far along it is."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task

    def grow(self, count: int) -> None:
        """More steps became known (the staff actions, once the events are out)."""
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
def progress_bar(total: int, *, console: Console | None = None) -> Iterator[Steps]:
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
