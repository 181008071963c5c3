"""(a, continued) The search statement's own time on the server, per filter case, and the
plans of its slowest executions.

    python -m bench.query_plans [--size 10000000] [--per-case 200] [--show 2]

For each of ``bench.query``'s cases, ``--per-case`` fresh parameter sets, each run once
as ``EXPLAIN (ANALYZE, BUFFERS)`` of the statement the voucher service runs (the page
with its orders' facts): PostgreSQL's own execution time, without the client, the pool or
the network. Prints each case's median, p99 and max, and the plans of its ``--show``
slowest, so a slow search can be told apart as a plan (the same case slow every time,
many buffers) or a wait (a plan like the others', few buffers, taken when the machine was
busy). Reuses the data ``bench.query`` loaded; prints only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics

import asyncpg

from bench import stack
from bench.query import CASES, loaded_name, prewarm, world_of
from bench.voucher_query import TZ, explain_sql

_TIME = re.compile(r"Execution Time: ([0-9.]+) ms")


async def main(size: int, per_case: int, show: int) -> None:
    async with stack.postgres() as admin:
        conn = await asyncpg.connect(stack.database_url(admin, loaded_name(size)))
        try:
            print(f"prewarmed {await prewarm(conn)}", flush=True)
            world = await world_of(conn)
            for seed, (name, make) in enumerate(CASES.items()):
                rng = random.Random(seed)
                runs: list[tuple[float, str]] = []
                for _ in range(per_case):
                    plan = await explain_sql(conn, make(rng, world))
                    found = _TIME.search(plan)
                    runs.append((float(found.group(1)) if found else 0.0, plan))
                took = sorted(t for t, _ in runs)
                p99 = took[min(len(took) - 1, int(len(took) * 0.99))]
                print(
                    f"\n== {name}: median {statistics.median(took):.2f} ms, p99 {p99:.2f} ms,"
                    f" max {took[-1]:.2f} ms ({per_case} runs)",
                    flush=True,
                )
                for t, plan in sorted(runs, key=lambda r: -r[0])[:show]:
                    print(f"-- {t:.2f} ms\n{plan}", flush=True)
        finally:
            await conn.close()


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.query_plans", description=__doc__)
    parser.add_argument("--size", type=int, default=10_000_000, help="the loaded voucher count")
    parser.add_argument("--per-case", type=int, default=200, help="executions per case")
    parser.add_argument("--show", type=int, default=2, help="plans printed per case")
    args = parser.parse_args()
    print(f"business time zone {TZ}", flush=True)
    asyncio.run(main(args.size, args.per_case, args.show))


if __name__ == "__main__":
    cli()
