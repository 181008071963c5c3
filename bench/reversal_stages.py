"""Where a reversal's time goes, stage by stage, at a light and a heavier open-loop rate.

    python -m bench.reversal_stages --rates 28 100 --seconds 15

The same stack as ``bench.reversal`` (the voucher and points services as their own
processes, the benchmark PostgreSQL, embedded Tansu behind its front), driven by an open
loop at each rate in turn. Each reversal's stages come from what the services record:
rows written by one transaction share its ``now()`` (the transaction's start), so

* the saga's ``created_at``: when the start's group-commit batch began;
* its ``vouchers_voided`` history row: when the void step's batch began;
* the refund request's outbox ``sent_at``: when the voucher relay's pass took it;
* the points inbox row: when the points consumer's batch began;
* the answer's outbox ``sent_at`` (points): when the points relay's pass took it;
* the voucher inbox row: when the voucher consumer's batch of answers began;
* the bench's own clock at the send and at the answer.

Each stage is the time between two of these, and so holds what runs between them (a
transaction and its commit, a relay pass's publish, the broker, a fetch) and the wait for
the next batch or pass to begin. The services run with ``bench/probe`` on their path and
``BENCH_LOOP_LOG`` set: for each rate, each process's event-loop lag (how late a 5 ms
timer fires: how long a ready callback waits) and how long the group commit's batches, the
relays' passes, the consumers' batches and their offset commits took, and how busy each
kept its one runner (its summed time over the run's seconds); and the CPU a reversal
cost each process (the services, PostgreSQL, the broker's front and Tansu). ``--code``:
another source tree's services (before/after). Figures go to stdout only (for reading,
not RESULTS.md's tables).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg

from bench import cpu, datagen, services, stack
from bench.http_client import Client
from bench.kafka import delete_topics
from bench.load import load
from bench.reversal import (
    WARM_UP,
    Orders,
    closed_loop,
    eligible_orders,
    paced,
    stack_groups,
    through_http,
)
from bench.speed import SpeedProbe
from shared.contracts import TOPICS
from shared.settings import database_url_with_name

STAGES = (
    ("command → start's batch", "sent", "start"),
    ("start's batch → void step's batch", "start", "voided"),
    ("void step's batch → voucher relay's pass", "voided", "request_sent"),
    ("voucher relay → points consumer's batch", "request_sent", "points_in"),
    ("points batch → points relay's pass", "points_in", "answer_sent"),
    ("points relay → voucher consumer's batch", "answer_sent", "voucher_in"),
    ("voucher consumer's batch → answer", "voucher_in", "done"),
)

_VOUCHER = """
SELECT s.merchant_order_no AS order_no, extract(epoch FROM s.created_at) AS start,
  extract(epoch FROM hv.at) AS voided, extract(epoch FROM o.sent_at) AS request_sent,
  o.ce_id::text AS request_id
FROM reversal_sagas s
JOIN reversal_saga_history hv ON hv.saga_id = s.saga_id AND hv.event = 'vouchers_voided'
JOIN outbox o ON o.topic = 'points.reversal.requested.v1'
  AND convert_from(o.payload, 'UTF8')::jsonb ->> 'merchant_order_no' = s.merchant_order_no
WHERE s.merchant_order_no = ANY($1::text[])
"""
_ANSWERS_IN = (
    "SELECT ce_id, extract(epoch FROM processed_at) AS at FROM inbox"
    " WHERE consumer = 'voucher.points_result'"
)
_POINTS_IN = (
    "SELECT ce_id, extract(epoch FROM processed_at) AS at FROM inbox"
    " WHERE consumer = 'points.reversal_requested'"
)
_ANSWERS_OUT = (
    "SELECT convert_from(payload, 'UTF8')::jsonb ->> 'merchant_order_no' AS order_no,"
    " ce_id::text, extract(epoch FROM sent_at) AS sent FROM outbox"
    " WHERE topic = 'points.reversal.result.v1'"
)


async def open_loop(client: Client, orders: list[str], per_second: float) -> dict[str, Any]:
    """Each order's send (its due time) and answer, on the wall clock the database uses."""
    act = through_http(client)
    times: dict[str, dict[str, float]] = {}
    start = time.time() + 0.05

    async def one(order_no: str, due: float) -> None:
        outcome = await act(order_no)
        times[order_no] = {"sent": due, "done": time.time(), "ok": outcome == "succeeded"}

    await paced(orders, per_second, one, start, time.time)
    return times


async def stages(admin: str, times: dict[str, dict[str, float]]) -> list[dict[str, float]]:
    v = await asyncpg.connect(database_url_with_name(admin, "kefu_voucher"))
    p = await asyncpg.connect(database_url_with_name(admin, "kefu_points"))
    try:
        rows = await v.fetch(_VOUCHER, list(times))
        answers_in = {r["ce_id"]: float(r["at"]) for r in await v.fetch(_ANSWERS_IN)}
        points_in = {r["ce_id"]: float(r["at"]) for r in await p.fetch(_POINTS_IN)}
        answers_out = {r["order_no"]: r for r in await p.fetch(_ANSWERS_OUT)}
    finally:
        await v.close()
        await p.close()
    out = []
    for r in rows:
        t = times[r["order_no"]]
        answer = answers_out.get(r["order_no"])
        if not t["ok"] or answer is None or r["request_sent"] is None:
            continue
        out.append(
            {
                "sent": t["sent"],
                "start": float(r["start"]),
                "voided": float(r["voided"]),
                "request_sent": float(r["request_sent"]),
                "points_in": points_in.get(r["request_id"], float("nan")),
                "answer_sent": float(answer["sent"]),
                "voucher_in": answers_in.get(answer["ce_id"], float("nan")),
                "done": t["done"],
            }
        )
    return out


PROBE = Path(__file__).parent / "probe"
LOOP_LOG = stack.DATA / "loop"


def probed() -> None:
    """The services this process starts load ``bench/probe`` and log into LOOP_LOG."""
    shutil.rmtree(LOOP_LOG, ignore_errors=True)
    LOOP_LOG.mkdir(parents=True)
    path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{PROBE}{os.pathsep}{path}" if path else str(PROBE)
    os.environ["BENCH_LOOP_LOG"] = str(LOOP_LOG)


def loop_report(began: float, ended: float) -> None:
    """The probe's lines that fall within [began, ended): loop lag per process, and the
    steps' durations per process and kind."""
    seconds = ended - began
    for log in sorted(LOOP_LOG.glob("lag-*.log")):
        rows = [[float(x) for x in line.split()] for line in log.read_text().splitlines()]
        mine = [r for r in rows if began <= r[0] < ended]
        if mine:
            p99s = sorted(r[3] for r in mine)
            mean, worst = sum(r[2] for r in mine) / len(mine), max(r[4] for r in mine)
            print(
                f"loop lag {log.stem[4:]:<24} mean {mean:5.2f} ms,"
                f" a second's p99 (median) {p99s[len(p99s) // 2]:5.1f}, max {worst:5.1f}"
            )
    for log in sorted(LOOP_LOG.glob("steps-*.log")):
        kinds: dict[str, list[tuple[float, int]]] = {}
        for line in log.read_text().splitlines():
            kind, at, ms, n = line.split()
            if began <= float(at) < ended:
                kinds.setdefault(kind, []).append((float(ms), int(n)))
        for kind, steps in sorted(kinds.items()):
            took = sorted(ms for ms, _ in steps)
            size = sum(n for _, n in steps) / len(steps)
            print(
                f"{log.stem:<14} {kind:<14} {len(steps):5} times: p50 {_pct(took, 0.5):5.1f}"
                f" p90 {_pct(took, 0.9):5.1f} max {took[-1]:6.1f} ms; busy"
                f" {sum(took) / 1000 / seconds:4.0%}; size mean {size:.2f}"
            )


def _pct(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def report(rate: float, each: list[dict[str, float]]) -> None:
    total = [1000 * (e["done"] - e["sent"]) for e in each]
    print(
        f"\n== {rate:g}/s: {len(each)} reversals; whole: p50 {_pct(total, 0.5):.1f}"
        f" p90 {_pct(total, 0.9):.1f} p99 {_pct(total, 0.99):.1f} ms"
    )
    cut = _pct(total, 0.99)
    slow = [e for e, t in zip(each, total, strict=True) if t >= cut]
    print(f"{'stage':<44} {'p50':>7} {'p90':>7} {'p99':>7} {'mean':>7} {'slow1%':>7}  ms")
    for name, a, b in STAGES:
        d = [1000 * (e[b] - e[a]) for e in each]
        ds = [1000 * (e[b] - e[a]) for e in slow]
        print(
            f"{name:<44} {_pct(d, 0.5):7.1f} {_pct(d, 0.9):7.1f} {_pct(d, 0.99):7.1f}"
            f" {sum(d) / len(d):7.1f} {sum(ds) / max(1, len(ds)):7.1f}"
        )


async def batch_sizes(admin: str) -> None:
    """Rows per transaction or relay pass, by ``now()`` (a light and a busy run mixed)."""
    for db, what, sql in (
        ("kefu_voucher", "voucher relay pass", "SELECT count(*) FROM outbox GROUP BY sent_at"),
        ("kefu_points", "points relay pass", "SELECT count(*) FROM outbox GROUP BY sent_at"),
    ):
        conn = await asyncpg.connect(database_url_with_name(admin, db))
        try:
            sizes = sorted(int(r[0]) for r in await conn.fetch(sql))
        finally:
            await conn.close()
        print(f"{what}: {len(sizes)} passes, mean {sum(sizes) / len(sizes):.2f}, max {sizes[-1]}")


async def main(rates: list[float], seconds: float, size: int, code: Path) -> None:
    async with stack.postgres() as admin:
        voucher_url = await stack.ensure_database(admin, "kefu_voucher", fresh=True)
        await stack.ensure_database(admin, "kefu_points", fresh=True)
        await load(voucher_url, datagen.Shape(size), force=True)
        orders = Orders(await eligible_orders(voucher_url, 10**7))
        with stack.broker() as broker:
            try:
                with (
                    services.service("points", admin, broker.bootstrap, code=code) as points,
                    services.service(
                        "voucher",
                        admin,
                        broker.bootstrap,
                        {"KEFU_REVERSAL_WAIT_SECONDS": "60"},
                        code=code,
                    ) as voucher,
                ):
                    groups = stack_groups(voucher, points, broker)
                    client = Client(
                        "127.0.0.1",
                        voucher.port,
                        internal=(services.internal_key_of_services(), "voucher"),
                    )
                    try:
                        await closed_loop(through_http(client), orders.take(WARM_UP), 10, {})
                        for rate in rates:
                            await asyncio.sleep(2)
                            print(
                                f"{rate:g}/s from {time.strftime('%H:%M:%S')},"
                                f" load average {os.getloadavg()[0]:.2f}",
                                flush=True,
                            )
                            tansu, front = broker.tansu_pid(), broker.pid
                            use = [cpu.process_use(tansu), cpu.process_use(front)]
                            began = time.time()
                            meter = cpu.CpuMeter.watching(groups)
                            probe = SpeedProbe()
                            times = await open_loop(
                                client, orders.take(round(rate * seconds)), rate
                            )
                            ended = time.time()
                            spent, speed = meter.stop(), probe.stop()
                            used = [cpu.process_use(tansu), cpu.process_use(front)]
                            report(rate, await stages(admin, times))
                            n = max(1, len(times))
                            print(
                                f"broker CPU per reversal: Tansu"
                                f" {1000 * (used[0][0] - use[0][0]) / n:.2f} ms, front"
                                f" {1000 * (used[1][0] - use[1][0]) / n:.2f} ms; Tansu's RSS"
                                f" {use[0][1]:.1f} -> {used[0][1]:.1f} MB"
                                f" ({1000 * (used[0][1] - use[0][1]) / n:.2f} MB a 1,000)"
                            )
                            loop_report(began, ended)
                            print(
                                "CPU ms a reversal: "
                                + ", ".join(f"{g} {1000 * t / n:.1f}" for g, t in spent.items())
                                + f"; all {1000 * sum(spent.values()) / n:.1f}"
                                + f"; the cores' speed {speed.describe()}"
                            )
                    finally:
                        await client.close()
                await batch_sizes(admin)
            finally:
                await delete_topics(broker.bootstrap, TOPICS)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[28.0, 100.0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--code", type=Path, default=services.ROOT)
    args = parser.parse_args()
    probed()
    asyncio.run(main(args.rates, args.seconds, args.size, args.code))


if __name__ == "__main__":
    cli()
