"""(c) What a consumer's batch costs around its handler: the Kafka client (fetch, decode,
commit), FastStream's call of the subscriber and the consumer runtime (validation, the
inbox), with a handler that only inserts a row.

    python -m bench.consumer_batch --messages 2000 --rate 100

A producer in another process sends ``--messages`` CloudEvents messages at ``--rate`` a
second, one at a time, so that at a light rate each is a batch of its own (as most of a
service's batches are below its saturation); this process consumes them through
:class:`shared.platform.Platform`, as a service does, and the figures are CPU per message:
this process (client, FastStream, runtime), the broker (Tansu and its front) and
PostgreSQL, over the seconds the messages flowed. ``PYTHONPATH=<export>`` runs another
commit's ``shared`` (its before). Prints only; RESULTS.md is written by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import threading
import time
import uuid
from typing import Any

from bench import cpu, stack
from shared.contracts import Contract, Topic
from shared.messaging.consumer import Envelope, Subscription
from shared.platform import Platform
from shared.settings import Settings

PRODUCER = """
import asyncio, sys, time, uuid
from aiokafka import AIOKafkaProducer
from shared.messaging import cloudevents
async def main(bootstrap, topic, ce_type, n, rate):
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await p.start()
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        headers = cloudevents.make_headers(ce_type=ce_type, source="/bench")
        value = b'{"account":"a%d","cents":1}' % i
        key = b"k%d" % (i % 64)
        await p.send_and_wait(topic, value, key=key, headers=cloudevents.encode(headers))
    await p.stop()
asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))
"""


class Credit(Contract):
    account: str
    cents: int


def _groups_cpu(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds so far of each group's processes and their descendants (each once)."""
    out: dict[str, float] = {}
    for group, pids in groups.items():
        per_pid: dict[int, float] = {}
        for pid in pids:
            per_pid.update(cpu._tree_cpu(pid, children=True))
        out[group] = sum(per_pid.values())
    return out


def _self_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


class Calls:
    """Python and C function calls made in this process (every thread) while counting: a
    measure of the consumer path's work that the machine's other load does not change."""

    def __init__(self) -> None:
        self.count = 0

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        if event in ("call", "c_call"):
            self.count += 1

    def start(self) -> None:
        threading.setprofile(self._hook)
        sys.setprofile(self._hook)

    def stop(self) -> int:
        sys.setprofile(None)
        threading.setprofile(None)
        return self.count


async def run(messages: int, rate: float, count_calls: bool) -> None:
    unique = uuid.uuid4().hex[:8]
    topic = Topic(f"bench.batch.{unique}.v1", Credit, key="account", summary="b", producer="b")
    async with stack.postgres() as admin:
        with stack.broker() as broker:
            settings = Settings(
                database_url=admin,
                kafka_bootstrap=broker.bootstrap,
                kafka_fetch_wait_ms=30_000,
                log_level="WARNING",
            )
            p = Platform(f"cb{unique}", settings, None)
            await p.open(topics=[topic])
            await p.pool.execute("CREATE TABLE credits (account text, ce_id text)")

            applied, all_applied = [0], asyncio.Event()

            async def apply(conn: Any, env: Envelope[Credit]) -> None:
                await conn.execute(
                    "INSERT INTO credits VALUES ($1, $2)", env.payload.account, env.meta.id
                )
                applied[0] += 1
                if applied[0] >= messages:
                    all_applied.set()

            try:
                await p.consume([Subscription(topic, apply, name="credits")])
                groups = {
                    "PostgreSQL": [x for x in [cpu.postmaster_pid(stack.DATA / "pg")] if x],
                    "broker": cpu.pids_with_arg(f"127.0.0.1:{broker.port}"),
                }
                before = _groups_cpu(groups)
                calls = Calls()
                if count_calls:
                    calls.start()
                mine, began = _self_cpu(), time.monotonic()
                producer = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    PRODUCER,
                    broker.bootstrap,
                    topic.name,
                    topic.ce_type,
                    str(messages),
                    str(rate),
                )
                await all_applied.wait()
                took, mine = time.monotonic() - began, _self_cpu() - mine
                counted = calls.stop()
                after = _groups_cpu(groups)
                used = {g: after[g] - before[g] for g in groups}
                await producer.wait()
            finally:
                await p.close()
            await _drop(admin, f"kefu_cb{unique}")
    per = {"consumer process": mine, **used}
    print(
        f"{messages} messages at {rate:g}/s in {took:.1f} s; CPU ms per message: "
        + ", ".join(f"{k} {v * 1000 / messages:.3f}" for k, v in per.items())
        + (f"; function calls per message {counted / messages:,.0f}" if count_calls else "")
        + "; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        flush=True,
    )


async def _drop(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.consumer_batch", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100, help="messages sent per second")
    parser.add_argument(
        "--calls",
        action="store_true",
        help="count the function calls per message (a profile hook: the CPU figures grow)",
    )
    args = parser.parse_args(argv)
    asyncio.run(run(args.messages, args.rate, args.calls))


if __name__ == "__main__":
    cli()
