"""(d) Notifications: requests handled per second, and request-to-sent latency.

    python -m bench.notify --rate 100 --seconds 20 --burst 5000 --inapp 20000

What is in the loop, all real and on this machine:

* the notify service as its own process (``python -m services.notify``) with its
  sandbox SMS providers (their ledger in the notify database);
* this process publishing ``notify.sms.requested.v1`` (template ``verification_code``,
  a distinct phone each, so the rate limit never trips) and
  ``notify.inapp.requested.v1`` with CloudEvents headers, as the other services do;
* per SMS: the consumer runtime (inbox row), the dedupe and rate-limit checks, the
  admission committed, the provider call recorded, the sandbox provider's own
  transaction, the final status and ``notify.sms.sent.v1`` in the outbox, the relay
  to Kafka; this process reads ``notify.sms.sent.v1`` back;
* embedded Tansu and the benchmark PostgreSQL.

Three runs: SMS in an open loop at ``--rate`` (latency from each request's scheduled
send time, so a stall cannot hide queued requests); an SMS burst of ``--burst``
requests published at once (throughput: requests over the time until the last
``notify.sms.sent.v1`` arrived); an in-app burst of ``--inapp`` requests (until the
last is in its inbox).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench import cpu, machine, services, stack
from bench.kafka import delete_topics
from bench.results import table, write_section
from bench.stats import Latency, fmt_ms, rate
from services.notify.adapters.sandbox_sms import BOTH_FAIL, FLAKY, NO_SUCH_NUMBER, PRIMARY_FAILS
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    NOTIFY_SMS_SENT,
    TOPICS,
)
from shared.messaging import cloudevents
from shared.sealing import code_sms

WARM_UP = 200
SANDBOX_ENDINGS = {PRIMARY_FAILS, BOTH_FAIL, FLAKY, NO_SUCH_NUMBER}
DATABASE = "kefu_notify"
PG_DIR = "pg-notify"
"""A server of its own: other benchmarks may hold bench/.data/pg with millions of rows."""


def phones() -> Iterator[str]:
    """Distinct phones, none a sandbox failure number."""
    i = 0
    while True:
        i += 1
        number = f"139{i:08d}"
        if number[-4:] not in SANDBOX_ENDINGS:
            yield number


@dataclass
class SentWatch:
    """Every notify.sms.sent.v1 read back: dedupe key → (sent_at, arrival time)."""

    seen: dict[str, tuple[float, float]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, bootstrap: str, ready: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            NOTIFY_SMS_SENT.name,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=10,  # this reader must not add its own long-poll to the figure
        )
        await consumer.start()
        ready.set()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=50)
                now = time.time()
                for records in batch.values():
                    for r in records:
                        body = json.loads(r.value)
                        sent_at = datetime.fromisoformat(body["sent_at"]).timestamp()
                        self.seen[body["dedupe_key"]] = (sent_at, now)
                if batch:
                    self.changed.set()
        finally:
            await consumer.stop()

    async def wait_for(self, keys: list[str], within: float) -> None:
        deadline = time.monotonic() + within
        while not all(k in self.seen for k in keys):
            if time.monotonic() > deadline:
                missing = sum(k not in self.seen for k in keys)
                raise TimeoutError(f"{missing} of {len(keys)} SMS not sent within {within} s")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self.changed.wait()


@dataclass
class Run:
    name: str
    requests: int
    seconds: float
    to_sent: Latency | None
    """Request (scheduled) → the provider accepted it (the SMS's sent_at)."""
    to_event: Latency | None
    """Request (scheduled) → notify.sms.sent.v1 read back here."""
    cpu: dict[str, float]
    pickup: Latency | None = None
    """Request (scheduled) → the service admitted it (consumed it and began to send)."""
    handling: Latency | None = None
    """Admitted → sent (providers called, outcome committed)."""

    @property
    def per_second(self) -> float:
        return rate(self.requests, self.seconds)


class Publisher:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self.phones = phones()
        self.seal_key = services.seal_key_of_services()

    async def sms(self, dedupe_key: str) -> None:
        to = next(self.phones)
        request = code_sms(
            phone=to,
            code=f"{uuid.uuid4().int % 1_000_000:06d}",
            minutes=5,
            dedupe_key=dedupe_key,
            requested_by="bench",
            to=self.seal_key,
        )
        await self._send(NOTIFY_SMS_REQUESTED.name, request.model_dump(mode="json"), to)

    async def inapp(self, dedupe_key: str, recipient: str) -> None:
        payload = {
            "recipient": recipient,
            "template_id": "points_refunded",
            "params": {"merchant_order_no": f"M{dedupe_key[-12:]}", "points": 2000},
            "dedupe_key": dedupe_key,
            "requested_by": "bench",
        }
        await self._send(NOTIFY_INAPP_REQUESTED.name, payload, recipient)

    async def _send(self, topic: str, payload: Mapping[str, object], key: str) -> None:
        headers = cloudevents.make_headers(ce_type=f"kefu.{topic}", source="/bench")
        await self.producer.send(
            topic,
            json.dumps(payload).encode(),
            key=key.encode(),
            headers=cloudevents.encode(headers),
        )


async def sms_open_loop(
    pub: Publisher,
    watch: SentWatch,
    db_url: str,
    per_second: float,
    seconds: float,
    groups: dict[str, list[int]],
) -> Run:
    n = round(per_second * seconds)
    keys = [f"bench:open:{uuid.uuid4().hex}" for _ in range(n)]
    due: dict[str, float] = {}
    meter = cpu.CpuMeter.watching(groups)
    start_wall, start = time.time() + 0.05, time.perf_counter() + 0.05
    for i, k in enumerate(keys):
        offset = i / per_second
        delay = start + offset - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due[k] = start_wall + offset
        await pub.sms(k)
    await pub.producer.flush()
    await watch.wait_for(keys, within=max(120.0, seconds * 5))
    elapsed = time.perf_counter() - start
    used = meter.stop()
    admitted = await admitted_times(db_url, keys)
    return Run(
        f"SMS, open loop at {per_second:g}/s",
        n,
        elapsed,
        Latency.of_seconds([watch.seen[k][0] - due[k] for k in keys]),
        Latency.of_seconds([watch.seen[k][1] - due[k] for k in keys]),
        used,
        Latency.of_seconds([admitted[k] - due[k] for k in keys]),
        Latency.of_seconds([watch.seen[k][0] - admitted[k] for k in keys]),
    )


async def admitted_times(db_url: str, keys: list[str]) -> dict[str, float]:
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch(
            "SELECT dedupe_key, admitted_at FROM sms_messages WHERE dedupe_key = ANY($1::text[])",
            keys,
        )
    finally:
        await conn.close()
    return {r["dedupe_key"]: r["admitted_at"].timestamp() for r in rows}


async def sms_burst(pub: Publisher, watch: SentWatch, n: int, groups: dict[str, list[int]]) -> Run:
    keys = [f"bench:burst:{uuid.uuid4().hex}" for _ in range(n)]
    meter = cpu.CpuMeter.watching(groups)
    start_wall, start = time.time(), time.perf_counter()
    for k in keys:
        await pub.sms(k)
    await pub.producer.flush()
    await watch.wait_for(keys, within=600.0)
    last = max(watch.seen[k][1] for k in keys)
    return Run(
        f"SMS, burst of {n:,}",
        n,
        last - start_wall,
        Latency.of_seconds([watch.seen[k][0] - start_wall for k in keys]),
        None,
        meter.stop() if time.perf_counter() > start else {},
    )


async def inapp_burst(pub: Publisher, db_url: str, n: int, groups: dict[str, list[int]]) -> Run:
    label = uuid.uuid4().hex[:8]
    conn = await asyncpg.connect(db_url)
    try:
        before = int(await conn.fetchval("SELECT count(*) FROM inbox_messages"))
        meter = cpu.CpuMeter.watching(groups)
        start = time.perf_counter()
        for i in range(n):
            await pub.inapp(f"bench:inapp:{label}:{i}", f"U{i % 5000:05d}")
        await pub.producer.flush()
        while int(await conn.fetchval("SELECT count(*) FROM inbox_messages")) < before + n:
            if time.perf_counter() - start > 600:
                raise TimeoutError("in-app messages not delivered within 600 s")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - start
    finally:
        await conn.close()
    return Run(f"in-app, burst of {n:,}", n, elapsed, None, None, meter.stop())


async def outcome_counts(db_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM sms_messages GROUP BY status")
        ledger = await conn.fetchval("SELECT count(*) FROM sandbox_sms_ledger")
    finally:
        await conn.close()
    return {**{r["status"]: int(r["n"]) for r in rows}, "ledger": int(ledger)}


async def run(per_second: float, seconds: float, burst: int, inapp: int) -> None:
    async with stack.postgres(PG_DIR) as admin:
        facts = await stack.server_facts(admin)
        db_url = await stack.ensure_database(admin, DATABASE, fresh=True)
        with stack.broker() as broker:
            try:
                with services.service("notify", admin, broker.bootstrap) as notify:
                    groups = {
                        "notify service": [notify.proc.pid],
                        "PostgreSQL": [p for p in [cpu.postmaster_pid(stack.DATA / PG_DIR)] if p],
                        "broker": cpu.pids_with_arg(f"127.0.0.1:{broker.port}"),
                    }
                    results, counts = await _runs(
                        broker.bootstrap, db_url, per_second, seconds, burst, inapp, groups
                    )
            finally:
                await delete_topics(broker.bootstrap, TOPICS)
    write_section("notify", render(results, counts, facts, per_second, seconds, burst, inapp))
    print("wrote bench/RESULTS.md (notify)")


async def _runs(
    bootstrap: str,
    db_url: str,
    per_second: float,
    seconds: float,
    burst: int,
    inapp: int,
    groups: dict[str, list[int]],
) -> tuple[list[Run], dict[str, int]]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    watch = SentWatch()
    ready = asyncio.Event()
    watcher = asyncio.create_task(watch.run(bootstrap, ready))
    try:
        await ready.wait()
        pub = Publisher(producer)
        warm = [f"bench:warm:{uuid.uuid4().hex}" for _ in range(WARM_UP)]
        for k in warm:
            await pub.sms(k)
        await producer.flush()
        await watch.wait_for(warm, within=120)
        await inapp_burst(pub, db_url, WARM_UP, groups)
        print(f"warm-up: {WARM_UP} SMS and {WARM_UP} in-app messages", flush=True)
        results = []
        for step in (
            sms_open_loop(pub, watch, db_url, per_second, seconds, groups),
            sms_burst(pub, watch, burst, groups),
            inapp_burst(pub, db_url, inapp, groups),
        ):
            results.append(await step)
            print(_line(results[-1]), flush=True)
        counts = await outcome_counts(db_url)
        print(f"SMS log: {counts}", flush=True)
        return results, counts
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await producer.stop()


def _line(r: Run) -> str:
    text = f"{r.name:<30} {r.requests:,} in {r.seconds:.1f} s = {r.per_second:,.0f}/s"
    if r.to_sent is not None:
        text += f"; to sent p50 {fmt_ms(r.to_sent.p50)} ms p99 {fmt_ms(r.to_sent.p99)} ms"
    if r.to_event is not None:
        text += f"; to event p50 {fmt_ms(r.to_event.p50)} ms p99 {fmt_ms(r.to_event.p99)} ms"
    if r.pickup is not None and r.handling is not None:
        text += (
            f"\n    consumed after p50 {fmt_ms(r.pickup.p50)} p99 {fmt_ms(r.pickup.p99)} ms;"
            f" handled in p50 {fmt_ms(r.handling.p50)} p99 {fmt_ms(r.handling.p99)} ms"
        )
    return text + f"\n    CPU: {cpu.describe(r.cpu, r.seconds)}"


def _breakdown(r: Run) -> list[str]:
    if r.pickup is None or r.handling is None:
        return []
    return [
        f"Where the open loop's request-to-sent time goes: waiting to be consumed (publish,"
        f" broker, the consumer's fetch) p50 {fmt_ms(r.pickup.p50)} / p99"
        f" {fmt_ms(r.pickup.p99)} ms; handling (admitted to sent: providers called, batch"
        f" committed) p50 {fmt_ms(r.handling.p50)} / p99 {fmt_ms(r.handling.p99)} ms.",
        "",
    ]


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{n:,} {status}" for status, n in sorted(counts.items()) if status != "ledger"
    )


def _ms(lat: Latency | None, attr: str) -> str:
    return fmt_ms(getattr(lat, attr)) if lat is not None else "–"


def render(
    results: list[Run],
    counts: dict[str, int],
    facts: dict[str, str],
    per_second: float,
    seconds: float,
    burst: int,
    inapp: int,
) -> str:
    paced, sms_all, inbox = results
    rows = [
        [
            r.name,
            f"{r.requests:,}",
            f"{r.seconds:.1f}",
            f"{r.per_second:,.0f}",
            f"{_ms(r.to_sent, 'p50')} / {_ms(r.to_sent, 'p99')}",
            f"{_ms(r.to_event, 'p50')} / {_ms(r.to_event, 'p99')}",
        ]
        for r in results
    ]
    sms_total = WARM_UP + paced.requests + sms_all.requests
    return "\n".join(
        [
            "## (d) Notifications (notify service)",
            "",
            machine.summary(facts.get("PostgreSQL")),
            "",
            f"**SMS requests handled: {sms_all.per_second:,.0f}/s (burst);"
            f" request-to-sent p99 {fmt_ms(paced.to_sent.p99 if paced.to_sent else 0)} ms"
            f" at {per_second:g}/s; in-app requests handled: {inbox.per_second:,.0f}/s.**",
            "",
            table(
                [
                    "run",
                    "requests",
                    "seconds",
                    "handled/s",
                    "to sent p50 / p99 ms",
                    "to sent event p50 / p99 ms",
                ],
                rows,
            ),
            "",
            *_breakdown(paced),
            f"Afterwards the SMS log held {_counts(counts)}, and the sandbox providers' ledger"
            f" {counts.get('ledger', 0):,} accepted SMS, of {sms_total:,} requested"
            f" (including {WARM_UP} warm-up): each sent once.",
            "",
            "CPU during each run (psutil, user+system; 2 cores = 200 %):",
            "",
            *[f"- {r.name}: {cpu.describe(r.cpu, r.seconds)}" for r in results],
            "",
            "Method:",
            "",
            f"- `python -m bench.notify --rate {per_second:g} --seconds {seconds:g}"
            f" --burst {burst} --inapp {inapp}`.",
            "- In the loop: the notify service process with its sandbox SMS providers; this"
            " process publishes the requests to Kafka with CloudEvents headers and reads"
            " `notify.sms.sent.v1` back. Each SMS: inbox row, dedupe and rate-limit checks,"
            " the admission (with the provider about to be asked) committed, the sandbox"
            " provider's own transaction (its ledger), then the provider call, final status"
            " and event recorded in the batch's transaction, and the relay publishing it."
            " Template `verification_code`, a distinct phone per request (none of the"
            " sandbox's failing numbers).",
            "- To sent: from the request's scheduled publish time to the SMS's `sent_at`"
            " (the provider accepted it; same machine, same clock). To sent event: to the"
            " moment `notify.sms.sent.v1` arrived here (adds the outbox relay and Kafka).",
            "- Burst: all requests published at once; handled/s is requests over the time"
            " from the first publish to the last `notify.sms.sent.v1` (SMS) or the last row"
            " in `inbox_messages` (in-app; polled every 20 ms); its latency column is from the"
            " burst's start, so its p99 is about the burst's length.",
            "- SMS requests are consumed in batches; a batch sends to up to 16 phones at once"
            " and records the outcomes in one transaction. In-app requests: one multi-row"
            " insert per batch.",
            "- Waiting to be consumed dominates the latency at low load: the shared"
            " subscriber leaves aiokafka's fetch long-poll at its default (`fetch_max_wait_ms`"
            " 500), so a request that arrives while the consumer's fetch waits on an empty"
            " partition waits for it to return.",
            "- 'everything else' in the CPU lines is other work on this shared machine"
            " during the run (other engineers' tests and benchmarks): the figures are what"
            " was measured under that contention.",
            f"- {WARM_UP} warm-up SMS and in-app requests first; the service at its default"
            " settings, log level WARNING, fast consumer-group timings.",
        ]
    )


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notify", description=__doc__)
    parser.add_argument("--rate", type=float, default=100, help="open-loop SMS per second")
    parser.add_argument("--seconds", type=float, default=20, help="open-loop duration")
    parser.add_argument("--burst", type=int, default=5000, help="SMS requests in the burst")
    parser.add_argument("--inapp", type=int, default=20000, help="in-app requests in the burst")
    args = parser.parse_args(argv)
    asyncio.run(run(args.rate, args.seconds, args.burst, args.inapp))


if __name__ == "__main__":
    cli()
