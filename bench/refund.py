"""(e) Refund forms: forms driven through the whole approval chain per second, each step's
latency, and payouts per second.

    python -m bench.refund --forms 200 --concurrency 16 --payouts 300

What is in the loop, all real and on this machine:

* the refund service as its own process (``python -m services.refund``), driven through
  its internal HTTP API as the gateway forwards the staff's commands (actor headers);
* per form: filing, then the six review steps (lead check, technical verification,
  submission to finance, cashier, accountant, finance director), each an HTTP command
  that locks the form, checks the rules and writes state, history, time limits and the
  outbox in one transaction; then the payout worker's claim, the sandbox payment
  provider (its own ledger in the refund database), the record, and the agent's in-app
  and the customer's SMS requests through the outbox and relay to Kafka;
* embedded Tansu and the benchmark PostgreSQL.

Not in it: the gateway, the notify service (the messages are published, not sent).

Two runs: (1) ``--forms`` forms, ``--concurrency`` at a time, each driven from filing
to ``completed`` (paid, agent and customer told): forms per second from the first
filing to the last completion, and each step's latency; (2) ``--payouts`` forms
brought to the finance director, all approved at once: payouts per second from the
first approval to the last payout recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench import cpu, machine, services, stack
from bench.http_client import Client
from bench.results import table, write_section
from bench.stats import Latency, fmt_ms, rate
from shared.settings import database_url_with_name

CHAIN = (
    ("lead-check", "lead", "duty_lead"),
    ("tech-verification", "tech", "tech"),
    ("finance-submission", "lead2", "duty_lead"),
    ("cashier-check", "cashier", "cashier"),
    ("accountant-review", "accountant", "accountant"),
    ("director-approval", "director", "finance_director"),
)
STEPS = ("file", *(path for path, _, _ in CHAIN), "payout")


def actor(username: str, role: str) -> dict[str, str]:
    return {
        "X-Kefu-Actor": username,
        "X-Kefu-Roles": role,
        "Idempotency-Key": str(uuid.uuid4()),
    }


def form_body() -> dict[str, Any]:
    now = datetime.now(UTC)
    # under 10,000 yuan: the regular chain (above it a second finance director approves)
    cents = random.randrange(100, 10_000) * 100 + random.choice((0, 10, 50))
    return {
        "order_no": f"TK{uuid.uuid4().hex[:16].upper()}",
        "purchased_at": (now - timedelta(hours=1)).isoformat(),
        "bank": "工商银行",
        "amount_cents": cents,
        "paid_cents": cents,
        "phone": f"139{random.randrange(10**8):08d}",
        "fault": "扣款成功但未收到订单号",
        "cause": "no_order_no",
        "customer_opinion": "退回原卡",
        "complaint_at": (now - timedelta(minutes=1)).isoformat(),
    }


class Driver:
    def __init__(self, client: Client, pool: asyncpg.Pool) -> None:
        self.client = client
        self.pool = pool
        self.latency: dict[str, list[float]] = defaultdict(list)

    async def post(self, path: str, body: Any, headers: dict[str, str], step: str) -> Any:
        started = time.perf_counter()
        status, answer = await self.client.post_json(path, body, headers)
        self.latency[step].append(time.perf_counter() - started)
        if status not in (200, 201):
            raise RuntimeError(f"{step}: {status} {answer}")
        return answer

    async def file(self) -> str:
        form = await self.post("/refunds/forms", form_body(), actor("agent", "agent"), "file")
        form_id: str = form["form_id"]
        return form_id

    async def steps(self, form_id: str, chain: tuple[tuple[str, str, str], ...]) -> None:
        for path, who, role in chain:
            body = {"decision": "approve", "opinion": f"{who}: 同意"}
            await self.post(f"/refunds/forms/{form_id}/{path}", body, actor(who, role), path)

    async def completed(self, form_ids: list[str], within: float = 300.0) -> None:
        deadline = time.monotonic() + within
        while True:
            done = await self.pool.fetchval(
                "SELECT count(*) FROM refund_forms WHERE form_id = ANY($1) AND state = 'completed'",
                form_ids,
            )
            if done == len(form_ids):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{done} of {len(form_ids)} forms completed")
            await asyncio.sleep(0.05)


async def whole_chain(driver: Driver, forms: int, concurrency: int) -> dict[str, Any]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(forms):
        queue.put_nowait(i)
    form_ids: list[str] = []

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            form_id = await driver.file()
            form_ids.append(form_id)
            await driver.steps(form_id, CHAIN)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await driver.completed(form_ids)
    seconds = time.perf_counter() - started
    # approval → paid and told, from the payout rows: what the worker adds after the HTTP step
    rows = await driver.pool.fetch(
        "SELECT extract(epoch FROM p.paid_at - f.finance_approved_at) AS s FROM payouts p"
        " JOIN refund_forms f ON f.form_id = p.subject_id WHERE p.subject_id = ANY($1)",
        form_ids,
    )
    driver.latency["payout"] = [float(r["s"]) for r in rows]
    return {"forms": forms, "seconds": seconds}


async def payout_burst(driver: Driver, payouts: int, concurrency: int) -> dict[str, Any]:
    form_ids = []
    sem = asyncio.Semaphore(concurrency)

    async def prepare() -> None:
        async with sem:
            form_id = await driver.file()
            await driver.steps(form_id, CHAIN[:-1])
            form_ids.append(form_id)

    await asyncio.gather(*(prepare() for _ in range(payouts)))
    path, who, role = CHAIN[-1]

    async def approve(form_id: str) -> None:
        async with sem:
            body = {"decision": "approve", "opinion": "同意"}
            await driver.post(f"/refunds/forms/{form_id}/{path}", body, actor(who, role), "burst")

    started = time.perf_counter()
    await asyncio.gather(*(approve(f) for f in form_ids))
    # from here the worker drains what is owed with no command competing for the CPU
    drain = await driver.pool.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'paid') AS paid, clock_timestamp() AS at"
        " FROM payouts WHERE subject_id = ANY($1)",
        form_ids,
    )
    assert drain is not None
    await driver.completed(form_ids)
    seconds = time.perf_counter() - started
    row = await driver.pool.fetchrow(
        "SELECT count(*) AS n, extract(epoch FROM max(paid_at) - min(created_at)) AS s,"
        " extract(epoch FROM max(paid_at) - $2::timestamptz) AS drain_s"
        " FROM payouts WHERE subject_id = ANY($1) AND status = 'paid'",
        form_ids,
        drain["at"],
    )
    assert row is not None
    twice = await driver.pool.fetchval(
        "SELECT count(*) FROM (SELECT payout_id FROM sandbox_payment.payouts"
        " GROUP BY payout_id HAVING count(*) > 1) t"
    )
    return {
        "payouts": int(row["n"]),
        "seconds": seconds,
        "worker_seconds": float(row["s"]),
        "drained": int(row["n"]) - int(drain["paid"]),
        "drain_seconds": float(row["drain_s"]),
        "paid_twice": int(twice),
    }


async def main(forms: int, concurrency: int, payouts: int, write: bool) -> None:
    async with stack.postgres() as admin_url:
        with stack.broker() as broker:
            conn = await asyncpg.connect(admin_url)
            try:
                await conn.execute('DROP DATABASE IF EXISTS "kefu_refund" WITH (FORCE)')
                version = str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()
            extra = {"KEFU_TOPIC_PARTITIONS": "2"}  # payouts owed wake the sweep at once
            with services.service("refund", admin_url, broker.bootstrap, extra) as refund:
                pool = await asyncpg.create_pool(
                    database_url_with_name(admin_url, "kefu_refund"), min_size=1, max_size=4
                )
                assert pool is not None
                client = Client(
                    "127.0.0.1",
                    refund.port,
                    internal=(services.internal_key_of_services(), "refund"),
                )
                driver = Driver(client, pool)
                try:
                    for _ in range(3):  # warm up: connections, plans
                        await driver.steps(await driver.file(), CHAIN)
                    driver.latency.clear()
                    pg = cpu.postmaster_pid(stack.DATA / "pg")
                    meter = cpu.CpuMeter.watching(
                        {"refund service": [refund.proc.pid], "postgres": [pg] if pg else []}
                    )
                    chain = await whole_chain(driver, forms, concurrency)
                    used = meter.stop()
                    latency = {k: Latency.of_seconds(v) for k, v in driver.latency.items()}
                    burst = await payout_burst(driver, payouts, concurrency)
                finally:
                    await client.close()
                    await pool.close()
    report(chain, latency, used, burst, concurrency, version, write)


def report(
    chain: dict[str, Any],
    latency: dict[str, Latency],
    used: dict[str, float],
    burst: dict[str, Any],
    concurrency: int,
    version: str,
    write: bool,
) -> None:
    forms_per_s = rate(chain["forms"], chain["seconds"])
    payouts_per_s = rate(burst["payouts"], burst["worker_seconds"])
    drain_per_s = rate(burst["drained"], burst["drain_seconds"])
    rows = [
        (step, latency[step].count, fmt_ms(latency[step].p50), fmt_ms(latency[step].p99))
        for step in STEPS
        if step in latency
    ]
    body = "\n\n".join(
        [
            "## Refund forms: the whole approval chain, and payouts",
            machine.summary(version),
            "Method: `python -m bench.refund` (see its docstring). The refund service as its"
            " own process, driven over its internal HTTP API (no gateway): each form filed,"
            " then its six review steps, each an HTTP command, by"
            f" {concurrency} concurrent drivers; done when every form is `completed` (paid,"
            " agent and customer told, through the outbox to Kafka). `payout` is the time"
            " from the finance director's approval to the payout recorded (the worker's"
            " sweep, the sandbox provider, the record and the messages).",
            f"**{forms_per_s:.1f} forms/s** through the whole chain ({chain['forms']} forms"
            f" in {chain['seconds']:.1f} s, 7 commands and a payout each: "
            f"{forms_per_s * 7:.0f} commands/s).",
            table(("step", "n", "p50 ms", "p99 ms"), rows),
            f"CPU during the chain run: {cpu.describe(used, chain['seconds'])}.",
            f"**{drain_per_s:.0f} payouts/s** draining a backlog: {burst['payouts']} forms"
            f" approved by the finance director, {concurrency} approvals at a time; once the"
            f" last approval was answered, {burst['drained']} payouts were still owed and the"
            f" worker paid them in {burst['drain_seconds']:.2f} s (one worker: claims 20 at a"
            " time under a lease, up to 8 provider calls at once). Over the whole burst, with"
            f" the approvals competing for the CPU: {payouts_per_s:.0f} payouts/s"
            f" ({burst['payouts']} in {burst['worker_seconds']:.2f} s from the first owed to"
            f" the last recorded). Paid twice: {burst['paid_twice']}.",
        ]
    )
    print(body)
    if write:
        write_section("refund", body)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--forms", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--payouts", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(main(args.forms, args.concurrency, args.payouts, not args.no_write))


if __name__ == "__main__":
    cli()
