"""(a, continued) The voucher search as an agent's browser makes it: through the gateway.

    python -m bench.query --sizes 10000000 --http-only

The voucher service and the gateway run as their own processes (``python -m
services.<name>``) on the benchmark PostgreSQL, the voucher service on the database
``bench.query`` loaded (renamed ``kefu_voucher`` for the run, then back). Agents sign in
through the gateway, then each sends ``GET /api/v1/vouchers?...&limit=20`` with its
bearer token over its own kept-alive connection, as the console does: the gateway checks
the token (its signature once) and the account (read at most every 5 s), signs an
internal call (one token per agent and path for 20 s) and proxies it to the voucher
service, which checks that token (its signature once) and runs the query. The same
search cases as the query function's figures, drawn at random (fresh values from sampled
rows each time).

An agent is a closed loop: a search, its answer read, then a think time (exponential,
``--think-ms`` mean) before the next. 20 people at desks read a page for seconds; a mean
of one second makes each agent search about once a second, heavier than a real desk, so
the figures bound what 20 agents see. Each agent's first search comes after a think time
of its own, as from a random moment of a working day: people at desks do not press
"search" in the same microsecond (with exponential think times the wait from any moment
to an agent's next search is again exponential with the same mean, so the run is in its
steady state from its first instant). The same 20 agents with no think time at all
measure the saturation: the rate at which the machine answers, and the latency then.

Before those runs, once the machine is quiet, the 20 agents each send one search in the
same instant: the burst, the worst start there can be, measured and reported as its own
figure (until session 11 it was the think-time run's first searches, and made that run's
p99).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

from bench import cpu, machine, query_trace, schedstat, services, stack
from bench.http_client import Client
from bench.otlp_receiver import Receiver, receiving
from bench.query_trace import Searched
from bench.results import table
from bench.schedstat import SchedReader
from bench.stats import Latency, fmt_ms, when_the_slowest_were_sent

LIMIT = "20"
"""The console's first page size (PAGE_SIZES[0] in console/src/shared/urlFilters.ts)."""
SERVICE_DATABASE = "kefu_voucher"


TARGET_P99_MS = 10.0
"""Issue 19: 20 agents searching 10M vouchers through the gateway, p99 under 10 ms."""


@dataclass(frozen=True)
class Http:
    """How the search through the gateway is run (``bench.query``'s options)."""

    agents: int = 20
    think_ms: float = 1000
    seconds: float = 60
    quiet_wait: float = 120
    only: bool = False
    code: Path | None = None
    """The source tree the gateway and the voucher service run from (another commit's, to
    compare before and after); None: this one."""
    cold: bool = False
    """No warm-up searches before the first run: its agents' first searches are the services'
    first ones (what their own start-up warmed aside)."""
    trace: bool = False
    """Cut each search's time at its spans (bench/query_trace.py); spans and the collection
    probe cost CPU, so a traced run's figures are not the untraced ones."""


@dataclass
class Run:
    name: str
    agents: int
    think_ms: float
    seconds: float
    latency: Latency
    requests: int
    errors: int
    cpu: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    per_search: str = ""
    """CPU per search of each of our processes: what a quiet machine's latency is made of."""
    quiet: str = ""
    """How busy the rest of the machine was just before (the first run)."""
    burst: Latency | None = None
    """The agents' searches sent in the same instant before it (the first run)."""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


@contextlib.asynccontextmanager
async def as_service_database(admin: str, loaded: str) -> AsyncIterator[None]:
    """The loaded database under the name the voucher service opens, for the run."""
    await restore(admin, loaded)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{SERVICE_DATABASE}" WITH (FORCE)')
        await conn.execute(f'ALTER DATABASE "{loaded}" RENAME TO "{SERVICE_DATABASE}"')
    finally:
        await conn.close()
    try:
        yield
    finally:
        await restore(admin, loaded)


async def restore(admin: str, loaded: str) -> None:
    """Give the loaded data its own name back (also after a run that was killed)."""
    conn = await asyncpg.connect(admin)
    try:
        names = {r[0] for r in await conn.fetch("SELECT datname FROM pg_database")}
        if loaded in names or SERVICE_DATABASE not in names:
            return
        service = await asyncpg.connect(stack.database_url(admin, SERVICE_DATABASE))
        try:
            marked = await service.fetchval("SELECT to_regclass('bench_meta') IS NOT NULL")
        finally:
            await service.close()
        if marked:  # the benchmark's data, not a service's own database
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                SERVICE_DATABASE,
            )
            await conn.execute(f'ALTER DATABASE "{SERVICE_DATABASE}" RENAME TO "{loaded}"')
    finally:
        await conn.close()


@contextlib.contextmanager
def voucher_and_gateway(
    admin: str, password: str, env: dict[str, str] | None = None, code: Path | None = None
) -> Iterator[tuple[str, dict[str, list[int]]]]:
    """Both processes up; the gateway's URL and the pids to meter."""
    with services.behind_gateway("voucher", admin, password, env, code or services.ROOT) as fronted:
        pids = {
            "gateway": [fronted.gateway.proc.pid],
            "voucher service": [fronted.service.proc.pid],
            "broker": [fronted.broker_pid] if fronted.broker_pid else [],
        }
        yield fronted.gateway.url, pids


async def sign_in(url: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        answer = await client.post(
            "/api/v1/auth/login", json={"username": "agent", "password": password}
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token


Case = Callable[[random.Random, object], dict[str, str]]
NamedCase = tuple[str, Case]


async def agents(
    url: str,
    token: str,
    cases: list[NamedCase],
    world: object,
    *,
    count: int,
    think_ms: float,
    seconds: float,
    seed: int,
    traced: list[Searched] | None = None,
    stagger: bool = True,
    once: bool = False,
    sched: SchedReader | None = None,
) -> tuple[list[tuple[float, float]], int]:
    """``count`` closed-loop agents for ``seconds``; every search's (seconds into the run when
    it was sent, latency), and the errors. ``traced``: each search sends a ``traceparent`` of
    its own and is noted there, with what each process ran and waited meanwhile (``sched``).
    ``stagger``: each agent thinks before its first search too
    (with think time); otherwise all start in the same instant. ``once``: one search each."""
    host, port = url.removeprefix("http://").split(":")
    client = Client(host, int(port), max_connections=count)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    times: list[tuple[float, float]] = []
    errors = 0
    in_flight = 0
    began = time.perf_counter()
    until = began + seconds

    async def agent(n: int) -> None:
        nonlocal errors, in_flight
        rng = random.Random(seed * 1000 + n)
        if think_ms and stagger:
            await asyncio.sleep(rng.expovariate(1000 / think_ms))
        while time.perf_counter() < until:
            case, make = rng.choice(cases)
            params = {**make(rng, world), "limit": LIMIT}
            sent = headers
            if traced is not None:
                trace_id = secrets.token_hex(16)
                sent = {**headers, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
            before = sched.read() if sched is not None else {}
            others = in_flight
            in_flight += 1
            sent_ns = time.time_ns()
            started = time.perf_counter()
            try:
                status, _ = await client.get(f"/api/v1/vouchers?{urlencode(params)}", sent)
            finally:
                in_flight -= 1
            times.append((started - began, time.perf_counter() - started))
            if traced is not None:
                used = schedstat.delta(before, sched.read()) if sched is not None else {}
                traced.append(Searched(trace_id, case, sent_ns, times[-1][1], others, used))
            if status != 200:
                errors += 1
            if once:
                return
            if think_ms:
                await asyncio.sleep(rng.expovariate(1000 / think_ms))

    try:
        await asyncio.gather(*(agent(n) for n in range(count)))
    finally:
        await client.close()
    return times, errors


@dataclass(frozen=True)
class Probe:
    """Where a traced run's spans and collections arrive (``--trace``)."""

    receiver: Receiver
    collections: Path

    def env(self) -> dict[str, str]:
        return {
            "KEFU_OTLP_ENDPOINT": self.receiver.endpoint,
            "KEFU_SPAN_FLUSH_DELAY_MS": "500",
            "KEFU_BENCH_GC_LOG": str(self.collections),
            "PYTHONPATH": str(Path(__file__).parent / "probe"),
        }

    async def report(self, traced: list[Searched], pids: dict[str, list[int]]) -> None:
        await asyncio.sleep(2)  # the last spans' batch on its way
        traces = self.receiver.by_trace()
        cuts = [c for s in traced if (c := query_trace.cut(s, traces.get(s.trace_id, [])))]
        processes = {pid: name for name, ids in pids.items() for pid in ids}
        collections = query_trace.read_collections(self.collections, processes)
        started = min(s.sent_ns for s in traced) if traced else 0
        collections = [c for c in collections if c.start_ns >= started]
        for line in query_trace.report(cuts, collections):
            print(line, flush=True)


async def measure(
    name: str,
    url: str,
    token: str,
    cases: list[NamedCase],
    world: object,
    pids: dict[str, list[int]],
    *,
    count: int,
    think_ms: float,
    seconds: float,
    seed: int,
    probe: Probe | None = None,
) -> Run:
    pg = cpu.postmaster_pid(stack.DATA / "pg")
    meter = cpu.CpuMeter.watching({**pids, "PostgreSQL": [pg] if pg else []})
    load_before = os.getloadavg()
    started = time.perf_counter()
    traced: list[Searched] | None = [] if probe is not None else None
    mains = {name: ids[0] for name, ids in pids.items() if ids and name != "broker"}
    sched = SchedReader(mains, pg) if probe is not None else None
    times, errors = await agents(
        url,
        token,
        cases,
        world,
        count=count,
        think_ms=think_ms,
        seconds=seconds,
        seed=seed,
        traced=traced,
        sched=sched,
    )
    wall = time.perf_counter() - started
    seconds_used = meter.stop()
    used = cpu.describe(seconds_used, wall)
    ours = ("gateway", "voucher service", "PostgreSQL", "broker")
    per_search = "; ".join(
        f"{name} {seconds_used[name] * 1000 / max(1, len(times)):.1f} ms"
        for name in ours
        if name in seconds_used
    )
    run = Run(
        name,
        count,
        think_ms,
        wall,
        Latency.of_seconds([latency for _, latency in times]),
        len(times),
        errors,
        used,
        load_before,
        os.getloadavg(),
        per_search=per_search,
    )
    lat = run.latency
    print(
        f"  {name}: {run.requests:,} searches in {wall:.0f} s ({run.rate:.0f}/s), p50"
        f" {fmt_ms(lat.p50)} ms, p99 {fmt_ms(lat.p99)} ms, max {fmt_ms(lat.max)} ms,"
        f" {errors} errors; load {_load(load_before)} -> {_load(run.load_after)}",
        flush=True,
    )
    print(f"    CPU: {used}\n    CPU per search: {run.per_search}", flush=True)
    print(when_the_slowest_were_sent(times), flush=True)
    if probe is not None and traced is not None:
        await probe.report(traced, pids)
    return run


async def burst(url: str, token: str, cases: list[NamedCase], world: object, count: int) -> Latency:
    """``count`` agents each send one search in the same instant: the worst start there can
    be, on services that answered only the benchmark's warm-up (with ``--cold``: nothing)."""
    load_before = os.getloadavg()
    times, errors = await agents(
        url, token, cases, world, count=count, think_ms=0, seconds=60, seed=0, once=True
    )
    latency = Latency.of_seconds([t for _, t in times])
    print(
        f"  the burst: {count} agents' searches sent in the same instant: median"
        f" {fmt_ms(latency.p50)} ms, max {fmt_ms(latency.max)} ms, {errors} errors;"
        f" load {_load(load_before)}",
        flush=True,
    )
    return latency


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


async def bench_http(
    admin: str, loaded: str, cases: list[NamedCase], world: object, http: Http
) -> list[Run]:
    password = "bench-" + secrets.token_urlsafe(12)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute('DROP DATABASE IF EXISTS "kefu_gateway" WITH (FORCE)')
    finally:
        await conn.close()
    with contextlib.ExitStack() as probing:
        probe = None
        if http.trace:
            folder = Path(probing.enter_context(tempfile.TemporaryDirectory(prefix="kefu-gc-")))
            probe = Probe(probing.enter_context(receiving()), folder)
        return await _bench_http(admin, loaded, password, cases, world, http, probe)


async def _bench_http(
    admin: str,
    loaded: str,
    password: str,
    cases: list[NamedCase],
    world: object,
    http: Http,
    probe: Probe | None,
) -> list[Run]:
    agents_count, think_ms, seconds = http.agents, http.think_ms, http.seconds
    async with as_service_database(admin, loaded):
        env = probe.env() if probe is not None else None
        with voucher_and_gateway(admin, password, env, http.code) as (url, pids):
            token = await sign_in(url, password)
            print(f"\n== through the gateway ({url}), {agents_count} agents", flush=True)
            if not http.cold:
                await agents(url, token, cases, world, count=4, think_ms=0, seconds=5, seed=99)
            busy, waited = await cpu.wait_for_quiet(give_up_after=http.quiet_wait)
            print(
                f"  the rest of the machine {busy:.2f} cores busy (waited {waited:.0f} s)",
                flush=True,
            )
            together = await burst(url, token, cases, world, agents_count)
            plans = [
                (f"{agents_count} agents, think time {think_ms:g} ms", think_ms, seconds),
                (f"{agents_count} agents, no think time (saturation)", 0.0, seconds / 2),
            ]
            runs = []
            for seed, (name, think, length) in enumerate(plans, 1):
                run = await measure(
                    name,
                    url,
                    token,
                    cases,
                    world,
                    pids,
                    count=agents_count,
                    think_ms=think,
                    seconds=length,
                    seed=seed,
                    probe=probe,
                )
                runs.append(run)
            runs[0].burst = together
            runs[0].quiet = f"the rest of the machine {busy:.2f} cores busy (waited {waited:.0f} s)"
    return runs


def render(runs: list[Run], size: int, http: Http, facts: dict[str, str]) -> str:
    desks = runs[0]
    verdict = "met" if desks.latency.p99 < TARGET_P99_MS else "NOT met"
    rows = [
        [
            r.name,
            f"{r.requests:,}",
            f"{r.rate:.0f}",
            f"{fmt_ms(r.latency.p50)} / {fmt_ms(r.latency.p99)} / {fmt_ms(r.latency.max)}",
            str(r.errors),
            f"{_load(r.load_before)} → {_load(r.load_after)}",
        ]
        for r in runs
    ]
    return "\n".join(
        [
            "## (a2) Voucher search through the gateway, as an agent's browser makes it",
            "",
            machine.summary(facts.get("PostgreSQL")),
            "",
            f"**Target p99 < {TARGET_P99_MS:g} ms for {http.agents} agents at"
            f" {size / 1e6:g}M vouchers: {verdict}** (p99 {fmt_ms(desks.latency.p99)} ms, with"
            f" a {http.think_ms:g} ms mean think time, each agent starting after a think"
            " time of its own). This machine is shared: other"
            " developers' tests ran beside it (the load averages and the CPU of 'other"
            " processes' below say how much), so the latencies are upper bounds.",
            "",
            *(
                [
                    f"The burst before it, {http.agents} searches sent in the same instant"
                    f" (not in that p99): median {fmt_ms(desks.burst.p50)} ms, max"
                    f" {fmt_ms(desks.burst.max)} ms.",
                    "",
                ]
                if desks.burst
                else []
            ),
            table(
                [
                    "agents",
                    "searches",
                    "searches/s",
                    "p50 / p99 / max ms",
                    "errors",
                    "load average 1/5/15 min, before → after",
                ],
                rows,
            ),
            "",
            "CPU during each run (psutil):",
            "",
            *(f"- {r.name}: {r.cpu}; per search: {r.per_search}." for r in runs),
            "",
            "Method:",
            "",
            f"- `python -m bench.query --sizes {size} --http-only` (or without `--http-only`"
            " after the query function's cases): the data of (a), reused, prewarmed.",
            *(f"- {line}" for line in _method()),
            f"- {http.agents} agents for {http.seconds:g} s with think time, then"
            f" {http.seconds / 2:g} s without;"
            f" {'no warm-up' if http.cold else 'a 5 s warm-up of 4 agents'} before; the"
            " benchmark waits (at most"
            f" {http.quiet_wait:g} s) for the rest of the machine to fall under"
            f" {cpu.QUIET_CORES} cores busy before the first run: {desks.quiet}.",
            "- Timed per search: from writing the request to the whole JSON answer read, in"
            " the benchmark process (a minimal keep-alive HTTP/1.1 client, bench/http_client.py,"
            " so the load generator takes little of the 2 cores the gateway, the voucher"
            " service and PostgreSQL share with it).",
        ]
    )


def _method() -> list[str]:
    doc = (__doc__ or "").split("\n\n", 2)[2]
    return [" ".join(part.split()) for part in doc.split("\n\n")]
