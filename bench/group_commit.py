"""The group commit alone, on a busy event loop: units of work per second and their latency.

    python -m bench.group_commit --callers 32 --seconds 10 --busy-us 300

Callers in one process hand it units of work of two statements each (an insert and a
read), each caller its next as soon as the last is answered, on the benchmark's own
PostgreSQL. Beside them a callback keeps the event loop busy (``--busy-us`` of CPU each
time round), as a service's other work does (its HTTP requests, its consumers and
relays): under load every round trip, and every task started or woken, waits that long
for its turn. What a batch costs beyond its statements is the loop's turns it takes, so
this measures the group commit's own shape (run from another worktree for a before and
after in one sitting). Figures go to stdout only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from bench import stack


async def run(callers: int, seconds: float, busy_us: float) -> None:
    from shared.db.pool import create_pool
    from shared.group_commit import GroupCommit
    from shared.timestamps import utc_now
    from shared.unit_of_work import UnitOfWork

    async with stack.postgres() as admin:
        url = await stack.ensure_database(admin, "bench_group", fresh=True)
        pool = await create_pool(url, max_size=4)
        await pool.execute("CREATE TABLE steps (id bigserial PRIMARY KEY, name text)")
        commits = GroupCommit(pool, utc_now, "/bench")
        loop = asyncio.get_running_loop()
        stop = loop.time() + seconds
        latencies: list[float] = []

        async def work(uow: UnitOfWork) -> int:
            await uow.conn.execute("INSERT INTO steps (name) VALUES ('unit')")
            return int(await uow.conn.fetchval("SELECT count(*) FROM steps WHERE id < 0"))

        async def caller() -> None:
            while loop.time() < stop:
                began = time.perf_counter()
                await commits.run(work)
                latencies.append(time.perf_counter() - began)

        def busy() -> None:  # the rest of a service's work, once each time round
            until = time.perf_counter() + busy_us / 1e6
            while time.perf_counter() < until:
                pass
            if loop.time() < stop:
                loop.call_soon(busy)

        began = time.perf_counter()
        cpu = os.times()
        if busy_us > 0:
            loop.call_soon(busy)
        await asyncio.gather(*(caller() for _ in range(callers)))
        wall = time.perf_counter() - began
        used = sum(os.times()[:2]) - sum(cpu[:2])
        await pool.close()
        ms = sorted(1000 * x for x in latencies)
        print(
            f"{len(ms) / wall:,.0f} units/s over {wall:.1f} s, {commits.batches} batches"
            f" (mean {len(ms) / max(1, commits.batches):.1f} units); latency p50"
            f" {statistics.median(ms):.2f} ms p99 {ms[int(0.99 * (len(ms) - 1))]:.2f} ms;"
            f" this process {used / wall * 100:.0f} % of a core"
        )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--busy-us", type=float, default=300.0)
    args = parser.parse_args()
    asyncio.run(run(args.callers, args.seconds, args.busy_us))


if __name__ == "__main__":
    cli()
