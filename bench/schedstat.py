"""What a process did, and how long it waited for a core, while one request was on its way.

Linux keeps, per thread, the CPU time it ran and the time it spent runnable but waiting
for a core (``/proc/<pid>/task/<tid>/schedstat``: run ns, run-queue wait ns, slices).
Read just before a request is sent and just after its answer is read, they split a slow
request's time without guessing: a process that ran much more than its usual share of
CPU during it was busy with something else (other requests, background work, a garbage
collection); one that waited long in the run queue was ready but had no core (the
neighbours, or the other processes of the request's own path). Reads are outside the
request's timed span.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

Sched = tuple[int, int]
"""CPU ns run, ns waited for a core."""


def _read(path: str) -> Sched | None:
    try:
        run, wait, _ = Path(path).read_text().split()
    except (OSError, ValueError):
        return None
    return int(run), int(wait)


class SchedReader:
    """Each named process's main thread (its event loop); ``PostgreSQL``: the sum over the
    postmaster's children, its backends and background workers."""

    def __init__(self, mains: Mapping[str, int], postmaster: int | None) -> None:
        self.mains = dict(mains)
        self.postmaster = postmaster

    def read(self) -> dict[str, Sched]:
        found: dict[str, Sched] = {}
        for name, pid in self.mains.items():
            got = _read(f"/proc/{pid}/task/{pid}/schedstat")
            if got is not None:
                found[name] = got
        if self.postmaster is not None:
            run = wait = 0
            for child in self._children():
                got = _read(f"/proc/{child}/task/{child}/schedstat")
                if got is not None:
                    run, wait = run + got[0], wait + got[1]
            found["PostgreSQL"] = run, wait
        return found

    def _children(self) -> list[int]:
        pid = self.postmaster
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, ValueError):
            return []


def delta(before: Mapping[str, Sched], after: Mapping[str, Sched]) -> dict[str, Sched]:
    """Per process, what ran and what waited between two reads (a backend that ended or
    began between them may make PostgreSQL's figures short: none do during a run)."""
    return {
        name: (after[name][0] - before[name][0], after[name][1] - before[name][1])
        for name in after
        if name in before
    }
