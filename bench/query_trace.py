"""Where the slowest searches through the gateway spent their time (``bench.query --trace``).

Each search the benchmark sends carries a ``traceparent`` of its own; the gateway and the
voucher service export their spans (``KEFU_OTLP_ENDPOINT``) to a receiver in the
benchmark (bench/otlp_receiver.py), and write each garbage collection they make to a
file (bench/probe/sitecustomize.py). A search's time is then cut at its spans' edges:

- to gateway: from the benchmark writing the request to the gateway's SERVER span
  starting (the socket, uvicorn reading the request, the gateway's event loop getting
  to it);
- account read: the gateway's SQL (the account check, when its cache ran out);
- gateway before proxy: the rest up to the gateway's CLIENT span (routing, the token,
  the role table, the internal token);
- to voucher: from that CLIENT span's start to the voucher service's SERVER span's
  (aiohttp writing, uvicorn reading, the service's loop getting to it);
- voucher own / voucher SQL: the service's SERVER span without and within its SQL spans;
- back to gateway: the service's span end to the gateway's CLIENT span end (the answer
  written and read);
- gateway after proxy: the answer parsed and written again, to the SERVER span's end;
- back to agent: from there to the benchmark holding the whole answer.

Wall clocks of processes on one machine: the cuts are exact to the clock's reading.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.otlp_receiver import Span
from bench.schedstat import Sched

PARTS = (
    "to gateway",
    "account read",
    "gateway before proxy",
    "to voucher",
    "voucher own",
    "voucher SQL",
    "back to gateway",
    "gateway after proxy",
    "back to agent",
)


@dataclass(frozen=True)
class Searched:
    """One search as the benchmark sent it: its trace, its filter case, when, how long."""

    trace_id: str
    case: str
    sent_ns: int
    seconds: float
    in_flight: int = 0
    """The other searches on their way when it was sent."""
    sched: dict[str, Sched] = field(default_factory=dict)
    """Per process, the CPU its event loop ran and the time it waited for a core while this
    search was on its way (bench/schedstat.py)."""


@dataclass(frozen=True)
class Collection:
    """One garbage collection in a service process."""

    process: str
    start_ns: int
    took_ns: int
    cpu_ns: int
    """The CPU it took (the wall time also counts waiting for a core on a busy machine)."""
    generation: int

    @property
    def end_ns(self) -> int:
        return self.start_ns + self.took_ns


@dataclass(frozen=True)
class Cut:
    searched: Searched
    parts: dict[str, float]
    """Milliseconds per part of PARTS."""
    statements: list[str]
    """The voucher service's SQL spans: name and milliseconds."""


def _is_sql(span: Span) -> bool:
    return "db.system.name" in span.attributes


def _one(spans: list[Span], service: str, kind: str, sql: bool = False) -> Span | None:
    found = [
        s for s in spans if s.service == f"kefu-{service}" and s.kind == kind and _is_sql(s) == sql
    ]
    return min(found, key=lambda s: s.start_ns) if found else None


def cut(searched: Searched, spans: list[Span]) -> Cut | None:
    """The search's time in PARTS; None when a span is missing (not exported in time)."""
    gateway = _one(spans, "gateway", "server")
    proxy = _one(spans, "gateway", "client")
    voucher = _one(spans, "voucher", "server")
    if gateway is None or proxy is None or voucher is None:
        return None
    gateway_sql = [s for s in spans if s.service == "kefu-gateway" and _is_sql(s)]
    voucher_sql = [s for s in spans if s.service == "kefu-voucher" and _is_sql(s)]
    account = sum(s.end_ns - s.start_ns for s in gateway_sql)
    sql = sum(s.end_ns - s.start_ns for s in voucher_sql)
    done_ns = searched.sent_ns + int(searched.seconds * 1e9)
    ns = {
        "to gateway": gateway.start_ns - searched.sent_ns,
        "account read": account,
        "gateway before proxy": proxy.start_ns - gateway.start_ns - account,
        "to voucher": voucher.start_ns - proxy.start_ns,
        "voucher own": voucher.end_ns - voucher.start_ns - sql,
        "voucher SQL": sql,
        "back to gateway": proxy.end_ns - voucher.end_ns,
        "gateway after proxy": gateway.end_ns - proxy.end_ns,
        "back to agent": done_ns - gateway.end_ns,
    }
    statements = [f"{s.name} {(s.end_ns - s.start_ns) / 1e6:.1f}" for s in voucher_sql]
    return Cut(searched, {k: v / 1e6 for k, v in ns.items()}, statements)


def read_collections(folder: Path, processes: dict[int, str]) -> list[Collection]:
    """The collections the probe wrote for each of ``processes`` (pid → name)."""
    found: list[Collection] = []
    for pid, name in processes.items():
        path = folder / f"gc-{pid}.log"
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            start, took, cpu, generation, _ = (int(v) for v in line.split())
            found.append(Collection(name, start, took, cpu, generation))
    return found


def _during(c: Cut, collections: Iterable[Collection]) -> list[str]:
    start = c.searched.sent_ns
    end = start + int(c.searched.seconds * 1e9)
    return [
        f"{k.process} gen{k.generation} {k.took_ns / 1e6:.1f} ms"
        for k in collections
        if k.start_ns < end and k.end_ns > start and k.took_ns > 1_000_000
    ]


def _sched_lines(cuts: list[Cut], slow: list[Cut]) -> list[str]:
    """Per process, the median CPU its event loop ran and the median time it waited for a
    core while a search was on its way, all searches / the slowest; and how many other
    searches were on their way when each was sent."""
    names = sorted({name for c in cuts for name in c.searched.sched})
    if not names:
        return []
    lines = ["  while a search was on its way, median ms ran / waited for a core, all / slowest:"]
    for name in names:
        every = [c.searched.sched[name] for c in cuts if name in c.searched.sched]
        worst = [c.searched.sched[name] for c in slow if name in c.searched.sched]
        if not every or not worst:
            continue
        lines.append(
            f"    {name:<22} {statistics.median(r for r, _ in every) / 1e6:6.2f} /"
            f" {statistics.median(w for _, w in every) / 1e6:6.2f}   "
            f" {statistics.median(r for r, _ in worst) / 1e6:6.2f} /"
            f" {statistics.median(w for _, w in worst) / 1e6:6.2f}"
        )
    busy = [c.searched.in_flight for c in cuts]
    lines.append(
        f"    other searches on their way when sent: mean {statistics.mean(busy):.2f} all,"
        f" {statistics.mean(c.searched.in_flight for c in slow):.2f} the slowest;"
        f" share sent with none: {busy.count(0) / len(busy):.0%} all,"
        f" {[c.searched.in_flight for c in slow].count(0) / len(slow):.0%} the slowest"
    )
    return lines


def report(
    cuts: list[Cut], collections: list[Collection], slowest_share: float = 0.02
) -> list[str]:
    """Lines to print: the median of each part for all searches and for the slowest
    ``slowest_share``; each of the slowest with its case, parts and collections; the
    collections over a millisecond per process and generation."""
    if not cuts:
        return ["  no traced search was exported"]
    ranked = sorted(cuts, key=lambda c: c.searched.seconds, reverse=True)
    slow = ranked[: max(1, int(len(ranked) * slowest_share))]
    lines = [
        f"  traced {len(cuts)} searches; median ms of each part, all / the slowest {len(slow)}:",
    ]
    for part in PARTS:
        every = statistics.median(c.parts[part] for c in cuts)
        worst = statistics.median(c.parts[part] for c in slow)
        lines.append(f"    {part:<22} {every:7.2f} / {worst:7.2f}")
    lines.extend(_sched_lines(cuts, slow))
    lines.append(f"  the slowest {len(slow)} (ms; the part that took most, the case, collections):")
    for c in slow:
        top = max(PARTS, key=lambda p: c.parts[p])
        parts = " ".join(f"{c.parts[p]:.1f}" for p in PARTS)
        gcs = "; ".join(_during(c, collections)) or "no collection over 1 ms"
        sched = " ".join(
            f"{name.split()[0]} {run / 1e6:.1f}/{wait / 1e6:.1f}"
            for name, (run, wait) in sorted(c.searched.sched.items())
        )
        lines.append(
            f"    {c.searched.seconds * 1000:7.1f}  {top} {c.parts[top]:.1f}  [{parts}]"
            f"  {c.searched.case}  SQL: {', '.join(c.statements)}  GC: {gcs}"
            f"  in flight: {c.searched.in_flight}  ran/waited: {sched}"
        )
    by_kind: dict[tuple[str, int], list[Collection]] = {}
    for k in collections:
        by_kind.setdefault((k.process, k.generation), []).append(k)
    for (process, generation), found in sorted(by_kind.items()):
        took = [k.took_ns / 1e6 for k in found]
        cpu = [k.cpu_ns / 1e6 for k in found]
        lines.append(
            f"  GC {process} gen{generation}: {len(found)} collections; wall median"
            f" {statistics.median(took):.2f} ms, max {max(took):.1f} ms; CPU median"
            f" {statistics.median(cpu):.2f} ms, max {max(cpu):.1f} ms, total {sum(cpu):.0f} ms"
        )
    return lines
