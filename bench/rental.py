"""Rental: trip-event ingest rate beside the raw aiokafka and asyncpg rates, and user search
latency at 1M users.

    python -m bench.rental --trips 100000 --users 1000000

Ingest, on a fresh embedded Tansu and the benchmark PostgreSQL:

1. COPY the users the trips belong to into a fresh rental database (a trip of an unknown
   user is parked, which is not what is measured here);
2. publish N ``rental.trip.started.v1`` and N ``rental.trip.ended.v1`` events (CloudEvents
   headers, JSON, keyed by user);
3. raw Kafka: one aiokafka consumer reads the started topic, doing nothing;
4. raw database: asyncpg COPYs the trip rows into a migrated rental schema, 500 per
   transaction;
5. the product: the rental service's own subscriptions (batch handlers under the shared
   consumer runtime, inbox dedupe, the user's status following the latest order) consume
   the starts, then the ends.

Search: 1M users COPYed into a migrated rental database (kept between runs), then the
service's own user query (services.rental.store.users) for each filter, p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from bench import cpu, machine, stack
from bench.ingest import BATCH, TARGET_RATE, Phase, bench_settings, raw_consume
from bench.kafka import delete_topics, message, timed_publish
from bench.query import TARGET_P99_MS, prewarm
from bench.results import table, write_section
from bench.stats import Latency, fmt_int, fmt_ms
from services.rental.app import MIGRATIONS
from services.rental.deps import Deps
from services.rental.domain.model import UserStatus
from services.rental.domain.query import UserQuery, phone_match
from services.rental.settings import RentalSettings
from services.rental.store import users as user_store
from services.rental.subscribers import platform_subscriptions
from shared.contracts import (
    RENTAL_TRIP_ENDED,
    RENTAL_TRIP_STARTED,
    RentalPoint,
    Topic,
    TripEnded,
    TripStarted,
)
from shared.db.migrate import SHARED_MIGRATIONS, migrate
from shared.db.pool import create_pool
from shared.messaging.kafka import ensure_topics, topic_names
from shared.paging import Position
from shared.platform import Platform
from shared.settings import Settings

USER_COLUMNS = (
    "user_id",
    "phone",
    "name",
    "card_type",
    "registered_at",
    "status",
    "blacklisted_at",
    "blacklist_reason",
    "blacklisted_by",
    "deleted_at",
)
TRIP_COLUMNS = (
    "trip_id",
    "user_id",
    "bike_id",
    "started_at",
    "start_point_id",
    "start_point_name",
    "start_latitude",
    "start_longitude",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许"
    "韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_DAYS = 3 * 365
POINTS = [
    RentalPoint(
        point_id=f"P{n}",
        name=f"租赁点{n}",
        latitude=Decimal("30.259244"),
        longitude=Decimal("120.130200"),
    )
    for n in range(50)
]


# --- data --------------------------------------------------------------------


def user_rows(count: int, seed: int = 11, offset: int = 0) -> list[tuple[Any, ...]]:
    """``count`` users: names repeat (about ten users a name at 1M), 3 years of registrations, 2 %
    renting, 1 % temporarily returned, 0.5 % blacklisted, 0.5 % deleted."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        roll = rng.random()
        status = "renting" if roll < 0.02 else "temporarily_returned" if roll < 0.03 else "idle"
        at = EPOCH + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        black = at + timedelta(days=1) if rng.random() < 0.005 else None
        rows.append(
            (
                f"U{offset + n:09d}",
                f"1{rng.randrange(30, 90)}{rng.randrange(10**8):08d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "standard",
                at,
                status,
                black,
                "bench" if black else None,
                "bench" if black else None,
                at + timedelta(days=2) if rng.random() < 0.005 else None,
            )
        )
    return rows


def trip_events(
    users: int, trips: int, seed: int = 13
) -> tuple[list[TripStarted], list[TripEnded]]:
    rng = random.Random(seed)
    starts, ends = [], []
    for n in range(trips):
        user = f"U{rng.randrange(users):09d}"
        # the platform publishes trips as they start: start times rise, with some jitter
        at = EPOCH + timedelta(seconds=n * SPAN_DAYS * 86400 / trips + rng.randrange(600))
        start = TripStarted(
            event_id=f"s{n}",
            trip_id=f"T{n:09d}",
            user_id=user,
            bike_id=f"B{rng.randrange(20000):06d}",
            started_at=at,
            start_point=rng.choice(POINTS),
        )
        starts.append(start)
        ends.append(
            TripEnded(
                event_id=f"e{n}",
                trip_id=start.trip_id,
                user_id=user,
                bike_id=start.bike_id,
                ended_at=at + timedelta(minutes=rng.randrange(5, 180)),
                end_point=rng.choice(POINTS),
                charge_cents=rng.randrange(100, 2000),
            )
        )
    return starts, ends


async def fresh_schema(admin: str, name: str, service: str = "rental") -> str:
    """A fresh database ``name`` with the rental schema, recorded as ``service``'s migrations
    (so a ``Platform(service)`` opened on it finds nothing left to apply)."""
    url = await stack.ensure_database(admin, name, fresh=True)
    pool = await create_pool(url, max_size=2)
    try:
        await migrate(pool, [("shared", SHARED_MIGRATIONS), (service, MIGRATIONS)])
    finally:
        await pool.close()
    return url


async def copy_users(url: str, rows: list[tuple[Any, ...]]) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("users", records=rows, columns=USER_COLUMNS)
        await conn.execute("ANALYZE users")
    finally:
        await conn.close()


# --- ingest ------------------------------------------------------------------


async def publish(
    settings: Settings, topic: Topic[Any], payloads: list[TripStarted] | list[TripEnded]
) -> float:
    made = (message(topic, p, source="/bench/platform", ce_id=p.event_id) for p in payloads)
    return await timed_publish(settings.kafka_bootstrap, topic.name, made)


async def quiet_then(run: Callable[[], Awaitable[Phase]]) -> Phase:
    """Wait (a little) for the shared machine to calm down, then run; the disturbance is
    reported beside the figure rather than waited out."""
    await cpu.wait_for_quiet(cores=0.5, window=2.0, give_up_after=30.0)
    phase = await run()
    print(
        f"{phase.name:<70} {phase.events:,} in {phase.seconds:.2f} s = {phase.rate:,.0f}/s"
        f"  [others {phase.others:.2f} cores]",
        flush=True,
    )
    return phase


async def raw_copy(url: str, starts: list[TripStarted], groups: dict[str, list[int]]) -> Phase:
    rows = [
        (
            s.trip_id,
            s.user_id,
            s.bike_id,
            s.started_at,
            s.start_point.point_id,
            s.start_point.name,
            s.start_point.latitude,
            s.start_point.longitude,
        )
        for s in starts
    ]
    conn = await asyncpg.connect(url)
    try:
        meter = cpu.CpuMeter.watching(groups)
        t0 = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "trips", records=rows[i : i + BATCH], columns=TRIP_COLUMNS
                )
        seconds = time.perf_counter() - t0
        return Phase(
            f"asyncpg COPY of trip rows, {BATCH} per transaction", len(rows), seconds, meter.stop()
        )
    finally:
        await conn.close()


async def product(
    settings: Settings,
    topics: list[Topic[Any]],
    name: str,
    expected: int,
    groups: dict[str, list[int]],
) -> Phase:
    """The service's subscriptions to ``topics`` in one process, as app.py runs them, timed
    from the first batch to the last commit. The service name stays the same across phases,
    so each consumer group carries on where the previous phase left it."""
    cpu.freeze_bench_data()
    platform = Platform("rental_bench", settings, MIGRATIONS)
    await platform.open(topics=topics)
    runtime = platform.runtime
    assert runtime is not None
    done = asyncio.Event()
    state: dict[str, Any] = {"n": 0, "batches": 0, "first": 0.0, "last": 0.0, "meter": None}
    process = runtime.process

    async def timed(sub: Any, records: Any) -> None:
        if not state["first"]:
            state["first"], state["meter"] = time.perf_counter(), cpu.CpuMeter.watching(groups)
        await process(sub, records)
        state["n"] += len(records)
        state["batches"] += 1
        state["last"] = time.perf_counter()
        if state["n"] >= expected:
            done.set()

    runtime.process = timed  # type: ignore[method-assign]
    try:
        deps = Deps(platform.pool, RentalSettings.model_validate(settings.model_dump()))
        subs = [s for s in platform_subscriptions(deps) if s.topic in topics]
        await platform.consume(subs)
        async with asyncio.timeout(max(180.0, expected / 500)):
            await done.wait()
        used = state["meter"].stop()
    finally:
        await platform.close()
    per_batch = state["n"] / max(1, state["batches"])
    return Phase(
        f"{name}; {per_batch:.0f} events per batch",
        state["n"],
        state["last"] - state["first"],
        used,
    )


@dataclass
class IngestResult:
    phases: list[Phase]
    trips: int
    users: int
    published: float
    check: str


async def ingest(admin: str, trips: int, users: int) -> IngestResult:
    """Starts of the first half alone; then, as the service runs, the second half's starts
    and the first half's ends together (both subscriptions in one process)."""
    starts, ends = trip_events(users, trips)
    half = trips // 2
    with stack.broker() as broker:
        settings = bench_settings(admin, broker.bootstrap)
        groups = {
            "PostgreSQL": [p for p in [cpu.postmaster_pid(stack.DATA / "pg")] if p],
            "broker": cpu.pids_with_arg(f"127.0.0.1:{broker.port}"),
        }
        topics: list[Topic[Any]] = [RENTAL_TRIP_STARTED, RENTAL_TRIP_ENDED]
        try:
            await ensure_topics(settings, topic_names(topics))
            published = await publish(settings, RENTAL_TRIP_STARTED, starts[:half])
            published += await publish(settings, RENTAL_TRIP_ENDED, ends[:half])
            phases = [
                await quiet_then(
                    lambda: raw_consume(settings, RENTAL_TRIP_STARTED.name, half, groups)
                )
            ]
            copy_url = await fresh_schema(admin, "bench_rental_copy")
            phases.append(await quiet_then(lambda: raw_copy(copy_url, starts[:half], groups)))
            url = await fresh_schema(admin, "kefu_rental_bench", "rental_bench")
            await copy_users(url, user_rows(users))
            phases.append(
                await quiet_then(
                    lambda: product(
                        settings,
                        [RENTAL_TRIP_STARTED],
                        "rental service: trip.started alone",
                        half,
                        groups,
                    )
                )
            )
            published += await publish(settings, RENTAL_TRIP_STARTED, starts[half:])
            print(f"published {trips + half:,} events in {published:.1f} s", flush=True)
            phases.append(
                await quiet_then(
                    lambda: product(
                        settings,
                        topics,
                        "rental service as it runs: new trips' starts and earlier trips'"
                        " ends together",
                        trips,
                        groups,
                    )
                )
            )
            conn = await asyncpg.connect(url)
            try:
                counts = await conn.fetchrow(
                    "SELECT count(*) FILTER (WHERE status = 'ended') AS ended,"
                    " count(*) FILTER (WHERE status = 'renting') AS renting FROM trips"
                )
                parked = await conn.fetchval("SELECT count(*) FROM parked_messages")
            finally:
                await conn.close()
        finally:
            await delete_topics(settings.kafka_bootstrap, topics)
    assert (counts["ended"], counts["renting"]) == (half, trips - half), "trips lost or added"
    return IngestResult(
        phases,
        trips,
        users,
        published,
        f"{half:,} trips stored and ended and {trips - half:,} stored and renting, as"
        f" published; {parked} parked messages",
    )


# --- search ------------------------------------------------------------------


@dataclass
class Samples:
    phones: list[str]
    names: list[str]
    ids: list[str]
    days: list[datetime]


async def users_database(admin: str, count: int) -> tuple[str, float | None]:
    """The kept 1M-user database (loaded by COPY on first use); its load time if loaded now."""
    name = f"bench_rental_users_{count}"
    url = stack.database_url(admin, name)
    try:
        conn = await asyncpg.connect(url)
        try:
            if await conn.fetchval("SELECT count(*) FROM users") == count:
                return url, None
        finally:
            await conn.close()
    except (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):
        pass
    url = await fresh_schema(admin, name)
    t0 = time.perf_counter()
    for i in range(0, count, 200_000):
        await copy_users(url, user_rows(min(200_000, count - i), seed=i, offset=i))
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE users")
    finally:
        await conn.close()
    return url, time.perf_counter() - t0


async def samples_of(pool: asyncpg.Pool, n: int = 2000) -> Samples:
    rows = await pool.fetch(
        "SELECT phone, name, user_id, registered_at FROM users TABLESAMPLE SYSTEM (1)"
        " WHERE deleted_at IS NULL LIMIT $1",
        n,
    )
    return Samples(
        [r["phone"] for r in rows],
        [r["name"] for r in rows],
        [r["user_id"] for r in rows],
        [r["registered_at"] for r in rows],
    )


def _day(at: datetime) -> dict[str, Any]:
    start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return {"registered_from": start, "registered_before": start + timedelta(days=1)}


def _month(at: datetime) -> dict[str, Any]:
    return {"registered_from": at - timedelta(days=30), "registered_before": at}


CASES: dict[str, Callable[[random.Random, Samples], tuple[UserQuery, Position | None]]] = {
    "phone": lambda r, s: (UserQuery(phone=phone_match(r.choice(s.phones))), None),
    "name": lambda r, s: (UserQuery(name=r.choice(s.names)), None),
    "user id": lambda r, s: (UserQuery(user_id=r.choice(s.ids)), None),
    "status renting, first page": lambda r, s: (UserQuery(status=UserStatus.RENTING), None),
    "registered on one day": lambda r, s: (UserQuery(**_day(r.choice(s.days))), None),
    "name + registration month": lambda r, s: (
        UserQuery(name=r.choice(s.names), **_month(r.choice(s.days))),
        None,
    ),
    "blacklisted, first page": lambda r, s: (UserQuery(blacklisted=True), None),
    "no filter, first page": lambda r, s: (UserQuery(), None),
    "idle, page at a random point": lambda r, s: (
        UserQuery(status=UserStatus.IDLE),
        Position(r.choice(s.days), "U"),
    ),
}


async def search(admin: str, users: int, n: int) -> tuple[dict[str, Latency], float | None]:
    url, loaded = await users_database(admin, users)
    pool = await create_pool(url, max_size=2)
    try:
        samples = await samples_of(pool)
        async with pool.acquire() as conn:
            print(f"  prewarmed {await prewarm(conn, ('users',))}", flush=True)
        await cpu.wait_for_quiet(cores=0.5, window=2.0, give_up_after=30.0)
        results: dict[str, Latency] = {}
        for name, make in CASES.items():
            rng = random.Random(name)
            for _ in range(50):  # warm plans and pages
                await user_store.search(pool, *make(rng, samples))
            times = []
            for _ in range(n):
                query, after = make(rng, samples)
                t0 = time.perf_counter()
                await user_store.search(pool, query, after)
                times.append(time.perf_counter() - t0)
            results[name] = Latency.of_seconds(times)
            lat = results[name]
            print(
                f"  {name:<34} p50 {fmt_ms(lat.p50):>6} ms  p99 {fmt_ms(lat.p99):>6} ms", flush=True
            )
    finally:
        await pool.close()
    return results, loaded


# --- report ------------------------------------------------------------------


def render(
    ing: IngestResult,
    found: dict[str, Latency],
    users: int,
    loaded: float | None,
    n: int,
    facts: dict[str, str],
) -> str:
    raw_kafka, raw_db, _, running = ing.phases
    trip_rate = running.rate
    raw = min(raw_kafka.rate, raw_db.rate)
    worst = max(lat.p99 for lat in found.values())
    rows = [
        [
            p.name,
            fmt_int(p.events),
            f"{p.seconds:.2f}",
            fmt_int(p.rate),
            cpu.describe(p.cpu, p.seconds),
        ]
        for p in ing.phases
    ]
    search_rows = [
        [name, fmt_ms(lat.p50), fmt_ms(lat.p99), fmt_ms(lat.max)] for name, lat in found.items()
    ]
    load = f"loaded by COPY in {loaded:.0f} s" if loaded else "loaded by an earlier run (kept)"
    return "\n".join(
        [
            "## (e) rental: trip-event ingest and user search",
            "",
            machine.summary(facts.get("PostgreSQL")),
            "",
            f"**Trip events: {trip_rate:,.0f}/s (the service as it runs) against a target of"
            f" {TARGET_RATE:,}/s: {'met' if trip_rate >= TARGET_RATE else 'NOT met'};"
            f" the slower raw half runs at {raw:,.0f}/s.**",
            "",
            table(["path", "events", "seconds", "events/s", "CPU during the phase"], rows),
            "",
            f"Check: {ing.check}.",
            "",
            "CPU per event on the service paths (what bounds them on 2 cores):",
            "",
            *[
                f"- {p.name}: {p.cpu.get('bench process', 0) / p.events * 1e6:.0f} µs of"
                f" Python and {p.cpu.get('PostgreSQL', 0) / p.events * 1e6:.0f} µs of"
                f" PostgreSQL; {p.seconds / p.events * 1e6:.0f} µs of wall time."
                for p in ing.phases[2:]
            ],
            "",
            f"**User search at {users:,} users: worst p99 {fmt_ms(worst)} ms against"
            f" {TARGET_P99_MS:g} ms: {'met' if worst < TARGET_P99_MS else 'NOT met'}.**",
            "",
            table(["case (50 a page)", "p50 ms", "p99 ms", "max ms"], search_rows),
            "",
            "Method:",
            "",
            f"- `python -m bench.rental --trips {ing.trips} --users {users}`.",
            f"- Ingest: {ing.trips:,} trips of {ing.users:,} users (COPYed in first), start"
            " times rising as the platform would publish them. The first half's starts and ends"
            " are published before any consumer starts; the service consumes the starts alone;"
            " then the second half's starts are published and the service runs as app.py runs"
            " it, both subscriptions in one process: new trips' starts and the earlier trips'"
            " ends together (the headline). In all,"
            f" {ing.trips + ing.trips // 2:,} events published in {ing.published:.1f} s.",
            "- The service phases run `shared.platform.Platform` with the rental service's own"
            " subscriptions (`services.rental.subscribers`): FastStream batch subscriber,"
            " consumer runtime (CloudEvents and contract validation, inbox claim), the batch"
            " handlers (a few set statements a batch; the user's status following the latest"
            " order), timed from the first batch to the last commit.",
            "- The raw phases: one aiokafka consumer counting the first half's starts; COPY of"
            " the same"
            f" trip rows into a freshly migrated rental schema, {BATCH} per transaction.",
            "- The machine is shared by several people's test runs: each phase waits up to 30 s for"
            " the rest of it to use under 0.5 cores, then runs; other processes' CPU is in the"
            " table (`others`) rather than waited out.",
            f"- Search: {users:,} users ({load}; names repeat, about ten users a name, 3 years of"
            " registrations, 2 % renting, 0.5 % blacklisted, 0.5 % deleted), `ANALYZE`d, the"
            " table and its indexes read into shared_buffers with pg_prewarm before timing (as"
            " on a server that has been answering searches; this VM reclaims its page cache"
            " within minutes, so a kept database is otherwise read from disk); the"
            f" service's own query (`services.rental.store.users.search`), {n} queries a case"
            " after 50 warm-up ones, one connection, parameters drawn from a sample of real rows.",
        ]
    )


async def main(trips: int, users: int, n: int, write: bool) -> None:
    logging.basicConfig(level=logging.WARNING)
    async with stack.postgres() as admin:
        facts = await stack.server_facts(admin)
        ing = await ingest(admin, trips, min(users, 200_000))
        found, loaded = await search(admin, users, n)
    if write:
        write_section("rental", render(ing, found, users, loaded, n, facts))
        print("wrote bench/RESULTS.md (rental)")


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rental", description=__doc__)
    parser.add_argument("--trips", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500, help="per search case")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args(argv)
    asyncio.run(main(args.trips, args.users, args.queries, not args.no_write))


if __name__ == "__main__":
    cli()
