"""(i) An idle stack: what a whole ``kefu up`` costs when nobody uses it.

    python -m bench.idle --seconds 60

The very :class:`~shared.devstack.stack.Stack` ``kefu up`` runs, on free ports and its
own home under ``bench/.data/idle-kefu`` (embedded PostgreSQL and Tansu, every service
as its own process, this process as the supervisor), at its default settings. Once
every service answers ``GET /health`` it waits ``--settle`` seconds (consumer groups
joined, the first sweeps done), then reads the CPU time (user + system, from
``/proc/<pid>/stat``) of every process of the stack, waits ``--seconds`` with no traffic
at all, and reads it again: each process's share of one core over the window.
PostgreSQL's processes are named by what their command line says (a backend names its
database), so the cost of each service's connections shows apart from the server's own.

CPU seconds are a fair measure on a shared machine (a process uses what it uses,
whoever else runs); the machine's load during the window is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench import machine
from bench.results import table, write_section
from bench.stack import DATA
from shared.devstack.broker import free_port
from shared.devstack.stack import Stack
from shared.settings import SERVICES, Settings

TARGET_PERCENT = 5.0
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    name: str
    seconds: float
    wakeups: int = 0
    """Context switches of all its threads over the window: voluntary (it slept and was
    woken) and involuntary (preempted), as ``/proc/<pid>/task/*/status`` counts them."""


@dataclass(frozen=True)
class ThreadSample:
    process: str
    thread: str
    """The thread's name (``/proc/<pid>/task/<tid>/comm``); a process's threads of one
    name are one row (the event loop is the process's own name)."""
    wakeups: int


def _proc_seconds(pid: int) -> float | None:
    """utime + stime of one process, in seconds; None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _switches(pid: int) -> dict[str, int]:
    """Context switches so far per thread name of one process (empty if it is gone); the
    thread whose id is the process's is ``main`` (a service's event loop)."""
    out: dict[str, int] = defaultdict(int)
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            comm = "main" if task.name == str(pid) else (task / "comm").read_text().strip()
            status = (task / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                out[comm] += int(line.split()[1])
    return out


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree[ppid].append(int(entry.name))
    return tree


def _descendants(pid: int, tree: dict[int, list[int]]) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += tree.get(p, [])
    return out


def _postgres_role(pid: int) -> str:
    """'PostgreSQL: kefu_voucher backends', 'PostgreSQL: walwriter', ... from its title."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "PostgreSQL: gone"
    if not title.startswith("postgres:"):
        return "PostgreSQL: postmaster"
    words = title.split()
    # a backend: "postgres: <user> <database> [local] <state>"
    if len(words) > 3 and (words[3] == "[local]" or words[3].startswith("127.")):
        return f"PostgreSQL: {words[2]} backends"
    return "PostgreSQL: " + " ".join(w for w in words[1:] if not w.startswith("("))


def stack_processes(stack: Stack) -> dict[int, str]:
    """Every process of the running stack and the name it is reported under."""
    named: dict[int, str] = {os.getpid(): "kefu up supervisor (this process)"}
    tree = _children()
    for name, part in stack.parts().items():
        pid = part.pid
        if pid is None:
            continue
        if name == "postgres":
            for member in _descendants(pid, tree):
                named[member] = _postgres_role(member)
        else:
            for member in _descendants(pid, tree):
                named[member] = "broker" if name == "broker" else f"{name} service"
    return named


def _busy_seconds() -> float:
    line = Path("/proc/stat").read_text().splitlines()[0].split()
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in line[1:8])
    return (user + nice + system + irq + softirq) / TICKS


@dataclass(frozen=True)
class Measured:
    samples: list[Sample]
    """Per named part, most CPU first."""
    threads: list[ThreadSample]
    """Per part and thread name, most wake-ups first."""
    total: float
    """CPU seconds of the whole stack."""
    others: float
    """Cores the rest of the machine kept busy on average."""


def measure(stack: Stack, seconds: float) -> Measured:
    """CPU and wake-ups per named part over ``seconds``; the rest of the machine's load."""
    named = stack_processes(stack)
    before = {pid: (_proc_seconds(pid), _switches(pid)) for pid in named}
    busy_before = _busy_seconds()
    time.sleep(seconds)
    busy = _busy_seconds() - busy_before
    after = stack_processes(stack)  # a PostgreSQL backend may have started meanwhile
    cpu: dict[str, float] = defaultdict(float)
    wakeups: dict[str, int] = defaultdict(int)
    per_thread: dict[tuple[str, str], int] = defaultdict(int)
    for pid, name in after.items():
        end, end_switches = _proc_seconds(pid), _switches(pid)
        if end is None:
            continue
        start, start_switches = before.get(pid, (None, {}))
        cpu[name] += max(0.0, end - (start or 0.0))
        for thread, count in end_switches.items():
            woken = max(0, count - start_switches.get(thread, 0))
            wakeups[name] += woken
            per_thread[name, thread] += woken
    samples = sorted(
        (Sample(n, s, wakeups[n]) for n, s in cpu.items()), key=lambda s: (-s.seconds, s.name)
    )
    threads = sorted(
        (ThreadSample(p, t, w) for (p, t), w in per_thread.items() if w),
        key=lambda t: (-t.wakeups, t.process, t.thread),
    )
    ours = sum(s.seconds for s in samples)
    return Measured(samples, threads, ours, max(0.0, busy - ours) / seconds)


def run(seconds: float, settle: float) -> str:
    home = DATA / "idle-kefu"
    ports = {f"{name}_port": free_port() for name in SERVICES}
    settings = Settings(home=home, demo_password="idle-" + secrets.token_urlsafe(9), **ports)  # type: ignore[arg-type]
    stack = Stack(settings, out=print, embedded_broker_port=free_port())
    load_before = os.getloadavg()
    stack.start()
    supervisor = threading.Thread(target=stack.supervise, daemon=True)
    supervisor.start()
    try:
        print(f"healthy; settling {settle:g} s, then measuring {seconds:g} s", flush=True)
        time.sleep(settle)
        measured = measure(stack, seconds)
        load_after = os.getloadavg()
    finally:
        stack.request_stop()
        supervisor.join(timeout=10)
        stack.stop()
    return render(measured, seconds, settle, load_before, load_after)


TOP_THREADS = 15


def render(
    measured: Measured,
    seconds: float,
    settle: float,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    samples, total, others = measured.samples, measured.total, measured.others
    percent = total / seconds * 100
    woken = sum(s.wakeups for s in samples)
    verdict = (
        f"**Target: at most {TARGET_PERCENT:g} % of one core in all:"
        f" {'met' if percent <= TARGET_PERCENT else 'NOT met'} ({percent:.1f} %).**"
    )
    rows = [
        [
            s.name,
            f"{s.seconds:.2f}",
            f"{s.seconds / seconds * 100:.2f}",
            f"{s.wakeups / seconds:.1f}",
        ]
        for s in samples
    ]
    rows.append(
        [
            "**all of the stack**",
            f"**{total:.2f}**",
            f"**{percent:.1f}**",
            f"**{woken / seconds:.0f}**",
        ]
    )
    thread_rows = [
        [t.process, t.thread, f"{t.wakeups / seconds:.1f}"] for t in measured.threads[:TOP_THREADS]
    ]
    return "\n".join(
        [
            "## (i) An idle stack",
            "",
            machine.summary(),
            "",
            verdict,
            "",
            table(["process", "CPU s", "% of one core", "wake-ups/s"], rows),
            "",
            f"The {len(thread_rows)} threads (by process and thread name) woken most often:",
            "",
            table(["process", "thread", "wake-ups/s"], thread_rows),
            "",
            "Method:",
            "",
            f"- `python -m bench.idle --seconds {seconds:g} --settle {settle:g}`: the Stack"
            " `kefu up` runs (embedded PostgreSQL and Tansu, every service as its own"
            " process, this process supervising), on free ports, at default settings."
            f" After every `GET /health` answered 200 and {settle:g} s more, CPU time"
            " (user + system, `/proc/<pid>/stat`) of each of its processes over"
            f" {seconds:g} s with no traffic. PostgreSQL's backends are grouped by the"
            " database their title names. Wake-ups: the context switches (voluntary and"
            " involuntary, `/proc/<pid>/task/*/status`) of all its threads over the window,"
            " per second; a thread is named by `/proc/<pid>/task/<tid>/comm` (`main`: the"
            " process's first thread, a service's event loop), threads of one name summed.",
            f"- The machine is shared: the rest of it used {others:.2f} cores on average"
            f" during the window; load average (1/5/15 min) {_load(load_before)} before the"
            f" stack started, {_load(load_after)} at the end. CPU seconds do not depend on"
            " that load the way rates and latencies do.",
        ]
    )


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.1f}" for x in load)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.idle", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    parser.add_argument("--settle", type=float, default=10.0, help="wait after healthy")
    parser.add_argument("--no-write", action="store_true", help="print, leave RESULTS.md be")
    args = parser.parse_args(argv)
    body = run(args.seconds, args.settle)
    print(body)
    if not args.no_write:
        write_section("idle", body)
        print("wrote bench/RESULTS.md (idle)")


if __name__ == "__main__":
    cli()
