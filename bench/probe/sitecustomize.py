"""Loaded by the service processes a benchmark starts with ``bench/probe`` on PYTHONPATH
(never by ``kefu up``): with ``KEFU_BENCH_GC_LOG`` set to a folder, each process writes
there, per garbage collection, when it began (wall clock, ns), how long it took (ns), the
CPU it took (ns: on a shared machine the wall time includes waiting for a core), its
generation and what it freed, so slow requests can be set beside the collections."""

from __future__ import annotations

import gc
import os
import time

_folder = os.environ.get("KEFU_BENCH_GC_LOG")
if _folder:
    _out = open(os.path.join(_folder, f"gc-{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
    _began = [0, 0, 0]

    def _noted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _began[:] = time.time_ns(), time.perf_counter_ns(), time.thread_time_ns()
            return
        took = time.perf_counter_ns() - _began[1]
        cpu = time.thread_time_ns() - _began[2]
        _out.write(f"{_began[0]} {took} {cpu} {info['generation']} {info['collected']}\n")

    gc.callbacks.append(_noted)

_kafka_folder = os.environ.get("BENCH_KAFKA_COUNT", "")
if _kafka_folder:
    # With BENCH_KAFKA_COUNT set to a folder, each process counts the requests its
    # Kafka clients send, by kind and by second, and the records it produces (one by one
    # or in batches), by topic; it writes them there every second while they change, and
    # at exit (a service the benchmark stops may be killed before its exit handlers run):
    # ``python -m bench.kafka_count`` reads them.
    import atexit
    import collections
    import sys
    import threading

    import aiokafka.conn
    import aiokafka.producer

    _counts: collections.Counter[tuple[int, str]] = collections.Counter()
    _send = aiokafka.conn.AIOKafkaConnection.send
    _produce = aiokafka.producer.AIOKafkaProducer.send

    def _counted_send(self, request, expect_response=True):  # type: ignore[no-untyped-def,unused-ignore]
        _counts[int(time.time()), type(request).__name__.split("_")[0]] += 1
        return _send(self, request, expect_response)

    async def _counted_produce(self, topic, *args, **kwargs):  # type: ignore[no-untyped-def,unused-ignore]
        _counts[int(time.time()), f"record {topic}"] += 1
        return await _produce(self, topic, *args, **kwargs)

    _produce_batch = aiokafka.producer.AIOKafkaProducer.send_batch

    async def _counted_batch(self, batch, topic, *, partition):  # type: ignore[no-untyped-def,unused-ignore]
        _counts[int(time.time()), f"record {topic}"] += batch.record_count()
        return await _produce_batch(self, batch, topic, partition=partition)

    aiokafka.conn.AIOKafkaConnection.send = _counted_send  # type: ignore[method-assign,unused-ignore]
    aiokafka.producer.AIOKafkaProducer.send = _counted_produce  # type: ignore[method-assign,unused-ignore]
    aiokafka.producer.AIOKafkaProducer.send_batch = _counted_batch  # type: ignore[method-assign,unused-ignore]

    def _write_counts() -> None:
        # ``python -m services.voucher``: argv[0] is .../services/voucher/__main__.py
        parts = sys.argv[0].split(os.sep)
        name = parts[-2] if parts[-1] == "__main__.py" and len(parts) > 1 else parts[-1]
        path = os.path.join(_kafka_folder, f"kafka-{name}-{os.getpid()}.tsv")
        with open(path, "w") as out:
            for (second, kind), n in sorted(list(_counts.items())):  # the loop may add
                out.write(f"{second}\t{kind}\t{n}\n")

    atexit.register(_write_counts)

    def _keep_writing() -> None:
        written = -1
        while True:
            time.sleep(1.0)
            if (total := sum(list(_counts.values()))) != written:
                _write_counts()
                written = total

    threading.Thread(target=_keep_writing, daemon=True, name="kafka-count").start()

_loop_folder = os.environ.get("BENCH_LOOP_LOG", "")
if _loop_folder:
    # With BENCH_LOOP_LOG set to a folder, each process started with uvloop.run (every
    # service, the broker's front) writes there how late a 5 ms timer fires (the event
    # loop's lag: how long a ready callback waits), one line a second (wall second,
    # samples, mean, p99 and max in ms), and how long each group-commit batch, relay pass,
    # consumer batch and offset commit took (kind, wall start, ms, size):
    # ``python -m bench.reversal_stages`` reads them.
    import asyncio
    import sys
    from typing import Any

    import uvloop

    _run = uvloop.run

    def _timed(owner: Any, attr: str, kind: str, size: Any, out: Any) -> None:
        original = getattr(owner, attr)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            began, t0, result = time.time(), time.perf_counter(), None
            try:
                result = await original(*args, **kwargs)
                return result
            finally:
                n = size(args, result)
                ms = 1000 * (time.perf_counter() - t0)
                out.write(f"{kind} {began:.4f} {ms:.2f} {n}\n")

        setattr(owner, attr, timed)

    def _time_steps() -> None:
        out = open(os.path.join(_loop_folder, f"steps-{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
        import faststream.kafka.message

        import shared.group_commit
        import shared.messaging.consumer
        import shared.messaging.outbox

        relay = shared.messaging.outbox.OutboxRelay
        _relay_pass = "_take" if hasattr(relay, "_take") else "relay_once"
        steps = (
            (shared.group_commit.GroupCommit, "_commit", "group_commit", lambda a, r: len(a[1])),
            # a pass: since session 13 the relay's loop chains passes on one connection
            # (OutboxRelay._take each, its commit in the next one's BEGIN); older trees
            # (--code) run relay_once per pass
            (shared.messaging.outbox.OutboxRelay, _relay_pass, "relay_pass", lambda a, r: r or 0),
            (
                shared.messaging.consumer.ConsumerRuntime,
                "process",
                "consume",
                lambda a, r: len(a[2]),
            ),
            (faststream.kafka.message.KafkaAckableMessage, "ack", "offset_commit", lambda a, r: 0),
        )
        for owner, attr, kind, size in steps:
            _timed(owner, attr, kind, size, out)

    def _lag_file() -> Any:
        parts = sys.argv[0].split(os.sep)
        name = parts[-2] if parts[-1] == "__main__.py" and len(parts) > 1 else parts[-1]
        return open(os.path.join(_loop_folder, f"lag-{name}-{os.getpid()}.log"), "a", buffering=1)

    async def _lag(out: Any) -> None:
        loop = asyncio.get_running_loop()
        lags: list[float] = []
        second = int(time.time())
        while True:
            t = loop.time()
            await asyncio.sleep(0.005)
            lags.append(loop.time() - t - 0.005)
            if int(time.time()) != second:
                lags.sort()
                n = len(lags)
                p99, worst = 1000 * lags[int(n * 0.99)], 1000 * lags[-1]
                line = f"{second} {n} {1000 * sum(lags) / n:.2f} {p99:.2f} {worst:.2f}\n"
                out.write(line)
                lags, second = [], int(time.time())

    def _probed_run(main: Any, *args: Any, **kwargs: Any) -> Any:
        async def probed() -> Any:
            if "services" in sys.argv[0]:
                _time_steps()  # the service's modules are imported by now
            lag = asyncio.get_running_loop().create_task(_lag(_lag_file()))
            try:
                return await main
            finally:
                lag.cancel()

        return _run(probed(), *args, **kwargs)

    uvloop.run = _probed_run
