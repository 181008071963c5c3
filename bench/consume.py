"""(c) A reversal's consumer side alone: the points gateway's refund requests applied by
the consumer runtime in batches of a fixed size, its CPU per request (this process and
PostgreSQL) and its statements per request.

    python -m bench.consume --batch 8 --batches 300

In ``bench.reversal`` a batch is as large as what arrived during the last fetch, so the
CPU per reversal moves with the rate, and the rate with the machine's other load. Here
the batches are the same size for every run and the code under test runs in this
process: the figures compare two versions of the consumer path (to run another commit's,
copy this file into its export's ``bench/`` and run it from there).

Real parts: the benchmark PostgreSQL, the embedded broker, the points service's
subscription, handler, store and sandbox provider, and its outbox relay publishing the
answers. Not in it: Kafka's fetches (the batches are handed to the runtime). Prints only;
RESULTS.md is written by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from types import SimpleNamespace
from typing import Any

from bench import cpu, stack
from services.points.adapters.provider import SandboxBubbleProvider
from services.points.app import MIGRATIONS, TOPICS
from services.points.deps import Deps
from services.points.settings import PointsSettings
from services.points.subscribers import subscriptions
from shared.contracts import POINTS_REVERSAL_REQUESTED
from shared.messaging import cloudevents
from shared.platform import Platform


def requests(batch: int, first_offset: int) -> list[Any]:
    """A batch of fresh refund requests as Kafka hands them over (aiokafka's record)."""
    out = []
    for i in range(batch):
        u = uuid.uuid4().hex[:12]
        payload: dict[str, Any] = {
            "refund_id": f"R-{u}",
            "merchant_order_no": f"M-{u}",
            "user_id": f"U{u}",
            "points": 100,
            "source": "bubble",
            "reason": "customer asked",
            "requested_by": "agent",
            "attempt": 1,
        }
        headers = cloudevents.make_headers(
            ce_type=POINTS_REVERSAL_REQUESTED.ce_type,
            source="/kefu/voucher",
            traceparent=f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
        )
        out.append(
            SimpleNamespace(
                topic=POINTS_REVERSAL_REQUESTED.name,
                partition=0,
                offset=first_offset + i,
                key=payload["merchant_order_no"].encode(),
                headers=cloudevents.encode(headers),
                value=json.dumps(payload).encode(),
            )
        )
    return out


async def statements(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return int(
            await conn.fetchval(
                "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s"
                " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'kefu_points'"
            )
        )
    finally:
        await conn.close()


async def run(batch: int, batches: int, warm: int) -> None:
    extra = {"shared_preload_libraries": "pg_stat_statements"}
    async with stack.postgres("pg-consume", extra) as admin:
        with stack.broker() as broker:
            await stack.ensure_database(admin, "kefu_points", fresh=True)
            settings = PointsSettings(
                database_url=admin, kafka_bootstrap=broker.bootstrap, log_level="WARNING"
            )
            platform = Platform("points", settings, MIGRATIONS)
            await platform.open(topics=TOPICS)
            try:
                provider = SandboxBubbleProvider(platform.pool)
                deps = Deps(pool=platform.pool, provider=provider, settings=settings)
                runtime = platform.runtime
                assert runtime is not None
                [sub] = subscriptions(deps)
                runtime.add(sub)
                work = [requests(batch, n * batch) for n in range(warm + batches)]
                for records in work[:warm]:
                    await runtime.process(sub, records)
                server = cpu.postmaster_pid(stack.DATA / "pg-consume")
                said = await statements(admin)
                meter = cpu.CpuMeter.watching({"PostgreSQL": [server] if server else []})
                started = time.perf_counter()
                for records in work[warm:]:
                    await runtime.process(sub, records)
                wall = time.perf_counter() - started
                used = meter.stop()
                ran = await statements(admin) - said - 1  # less the reading itself
            finally:
                await platform.close()
    n = batch * batches
    print(
        f"batch {batch}, {n} requests in {wall:.1f} s; per request: CPU ms this process"
        f" {used['bench process'] / n * 1000:.3f}, PostgreSQL {used['PostgreSQL'] / n * 1000:.3f};"
        f" statements {ran / n:.2f} (the provider's own included); load {os.getloadavg()[0]:.2f}"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=8, help="requests in a batch")
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--warm", type=int, default=30, help="batches before measuring")
    args = parser.parse_args()
    asyncio.run(run(args.batch, args.batches, args.warm))


if __name__ == "__main__":
    cli()
