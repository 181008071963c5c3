"""(i2) The first message after a quiet spell, one hop on the embedded broker.

    python -m bench.wake --rounds 3

Tansu alone answered a fetch only at points within its wait (first at half of it), so a
consumer's idle fetch wait was what the first message after a quiet spell waited, per
hop; its long-poll front answers on arrival. This measures it for one consumer run as the
services' are (``shared.messaging.subscribe.next_batch``, the embedded broker's fetch wait
and heartbeat, ``BROKER_DEFAULTS``) on a 6-partition topic: a burst makes it busy, then
after a quiet spell of each length (plus up to 3 s, at random) one message is sent and
timed until the consumer holds it; then a steady stream at ``--rate`` a second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench import stack
from bench.stats import percentile
from shared.devstack.broker import BROKER_DEFAULTS
from shared.messaging.subscribe import next_batch
from shared.settings import Settings

TOPIC = "bench.wake.v1"
SPELLS = (2.0, 6.0, 12.0, 30.0)
JITTER_SECONDS = 3.0
"""Each spell is longer by up to this (uniformly): a fixed spell would send each time at the
same point of the consumer's fetch and measure one point of the broker's schedule."""


async def _consumer(bootstrap: str, settings: Settings) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id="bench-wake",
        auto_offset_reset="earliest",  # a fresh topic: nothing missed while joining
        enable_auto_commit=False,
        fetch_max_wait_ms=settings.kafka_fetch_wait_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        consumer_timeout_ms=2000,
    )
    await consumer.start()  # it joins its group as it fetches: the first timed message waits
    return consumer


class Receiver:
    """The consumer's loop, as a service runs it: always waiting in ``next_batch``, noting
    when each message arrived."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.arrived: dict[bytes, float] = {}
        self.news = asyncio.Event()

    async def run(self) -> None:
        while True:
            for record in await next_batch(self.consumer, max_records=500):
                self.arrived[record.value] = time.perf_counter()
            self.news.set()

    async def timed(self, producer: AIOKafkaProducer) -> float:
        """Seconds from one message's send until the consumer holds it."""
        value = os.urandom(8).hex().encode()
        sent = time.perf_counter()
        await producer.send_and_wait(TOPIC, value)
        while value not in self.arrived:
            self.news.clear()
            await self.news.wait()
        return self.arrived.pop(value) - sent


async def run(rounds: int, rate: float, seconds: float) -> dict[str, list[float]]:
    settings = Settings(**BROKER_DEFAULTS)  # type: ignore[arg-type]
    found: dict[str, list[float]] = {
        f"after {s:g}-{s + JITTER_SECONDS:g} s quiet": [] for s in SPELLS
    }
    with stack.broker() as broker:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        await admin.create_topics([NewTopic(TOPIC, 6, 1)])
        await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=0)
        await producer.start()
        consumer = await _consumer(broker.bootstrap, settings)
        receiver = Receiver(consumer)
        receiving = asyncio.create_task(receiver.run())
        try:
            await receiver.timed(producer)  # joined and fetching
            for _ in range(rounds):
                for spell in SPELLS:
                    for _ in range(3):  # busy again
                        await receiver.timed(producer)
                    # at a random point of the broker's looks, as traffic arrives
                    await asyncio.sleep(spell + random.uniform(0.0, JITTER_SECONDS))
                    quiet = f"after {spell:g}-{spell + JITTER_SECONDS:g} s quiet"
                    found[quiet].append(await receiver.timed(producer))
            steady: list[float] = []
            for _ in range(int(rate * seconds)):
                steady.append(await receiver.timed(producer))
                await asyncio.sleep(max(0.0, 1 / rate - steady[-1]))
            found[f"steady, about {rate:g}/s"] = steady
        finally:
            receiving.cancel()
            await consumer.stop()
            await producer.stop()
    return found


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wake", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="quiet spells of each length")
    parser.add_argument("--rate", type=float, default=28.0, help="the steady stream's rate")
    parser.add_argument("--seconds", type=float, default=10.0, help="the steady stream's length")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    found = asyncio.run(run(args.rounds, args.rate, args.seconds))
    wait = BROKER_DEFAULTS["kafka_fetch_wait_ms"]
    print(f"one hop, embedded broker, fetch wait {wait} ms; load {load[0]:.1f} at the start")
    for name, values in found.items():
        ms = sorted(v * 1000 for v in values)
        print(
            f"  {name:<22} n={len(ms):>4}  p50 {percentile(ms, 50):7.0f} ms"
            f"  p99 {percentile(ms, 99):7.0f} ms  max {ms[-1]:7.0f} ms"
        )


if __name__ == "__main__":
    cli()
