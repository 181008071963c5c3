"""Kill each part of a running stack in turn while agents reverse orders, a duty lead
tops up rental accounts at the counter and an operations supervisor approves stored-value
refunds (paid by the refund service), all through the gateway.

Every accepted command must end in its final state (a reversal succeeded or failed, not
pending; a top-up answered; a refund paid), no money may move twice or be lost (one
points movement per reversed order, of the order's points; one top-up per customer, on
the balance; one payout per approved refund, at the account its request recorded),
and every "points refunded" notice must reach the customer's inbox.
The figures per fault (time to the first new success and to all finished, counts) go
into bench/RESULTS.md with ``make faults``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from shared.contracts import VOUCHER_ISSUED, VoucherIssued
from shared.devstack.stack import Stack
from shared.messaging import cloudevents
from shared.settings import database_url_with_name
from tests.e2e.helpers import Platform, order
from tests.faults import payouts, topups
from tests.faults.conftest import FULL
from tests.faults.figures import Figures
from tests.faults.payouts import Payout
from tests.faults.stream import Command, follow, run_clients
from tests.faults.topups import TopUp

pytestmark = pytest.mark.faults


@dataclass(frozen=True)
class Plan:
    orders: int
    top_ups: int
    payouts: int
    clients: int
    pause: float
    before: float
    """Seconds of stream before the kill."""
    after: float
    """Seconds of new commands after the kill."""
    answer_within: float
    settle_within: float


SHORT = Plan(
    orders=60,
    top_ups=6,
    payouts=6,
    clients=3,
    pause=0.3,
    before=2,
    after=10,
    answer_within=40,
    settle_within=60,
)
LONG = Plan(
    orders=240,
    top_ups=40,
    payouts=30,
    clients=4,
    pause=0.2,
    before=3,
    after=25,
    answer_within=60,
    settle_within=90,
)
PLAN = LONG if FULL else SHORT
FAULTS = (
    ("points", "voucher", "notify", "gateway", "refund", "rental", "postgres", "broker")
    if FULL
    else ("points", "broker")
)
RECOVERY_BOUND_SECONDS = 60.0
"""Generous: the machine is shared; the measured figures are the point, not this bound."""


@pytest.mark.parametrize("fault", FAULTS)
async def test_every_accepted_reversal_finishes_once_across_the_fault(
    fault: str,
    fault_stack: Stack,
    agent: httpx.AsyncClient,
    lead: httpx.AsyncClient,
    ops: httpx.AsyncClient,
    figures: list[Figures],
) -> None:
    await wait_healthy(fault_stack)  # the previous fault is over
    orders = [order(vouchers=1, face_value="5.00") for _ in range(PLAN.orders)]
    await issue(fault_stack, orders)
    await arrived(agent, orders)
    assert fault_stack.infra is not None
    platform = Platform(fault_stack.infra.kafka_bootstrap)
    top_ups = await topups.prepare(lead, platform, PLAN.top_ups)
    refunds = await payouts.prepare(ops, platform, PLAN.payouts)

    started = time.monotonic()
    commands: list[Command] = []
    stream = asyncio.create_task(
        run_clients(
            agent,
            orders,
            commands,
            clients=PLAN.clients,
            stop_sending_at=started + PLAN.before + PLAN.after,
            answer_by=started + PLAN.before + PLAN.answer_within,
            pause=PLAN.pause,
        )
    )
    counter = asyncio.create_task(
        topups.run_top_ups(
            lead,
            top_ups,
            stop_sending_at=started + PLAN.before + PLAN.after,
            answer_by=started + PLAN.before + PLAN.answer_within,
            pause=PLAN.after / PLAN.top_ups,
        )
    )
    approvals = asyncio.create_task(
        payouts.run_approvals(
            ops,
            refunds,
            stop_sending_at=started + PLAN.before + PLAN.after,
            answer_by=started + PLAN.before + PLAN.answer_within,
            settle_by=started + PLAN.before + PLAN.answer_within + PLAN.settle_within,
            pause=PLAN.after / PLAN.payouts,
        )
    )
    following = asyncio.create_task(
        follow(
            agent, commands, stream, started + PLAN.before + PLAN.answer_within + PLAN.settle_within
        )
    )
    await asyncio.sleep(PLAN.before)
    killed_at = time.monotonic()
    kill(fault_stack, fault)
    await stream
    await counter
    await approvals
    await following
    measured = await check(fault_stack, fault, commands, top_ups, refunds, killed_at)
    figures.append(measured)
    print(measured)

    assert measured.accepted > 0 and measured.stuck == 0, measured
    assert measured.top_ups_done > 0 and measured.top_ups_unanswered == 0, measured
    assert measured.top_ups_refused == 0, measured
    assert measured.payouts_paid > 0 and measured.payouts_stuck == 0, measured
    assert [p.refused for p in refunds if p.refused] == [], measured
    assert measured.moved_twice == 0 and measured.money_lost == 0, measured
    assert measured.notices_lost == 0, measured
    assert measured.first_success_s is not None, "nothing was accepted after the fault"
    assert measured.first_success_s < RECOVERY_BOUND_SECONDS, measured
    await wait_healthy(fault_stack)


def kill(stack: Stack, part: str) -> None:
    pid = stack.parts()[part].pid
    assert pid is not None, part
    os.kill(pid, signal.SIGKILL)


async def wait_healthy(stack: Stack) -> None:
    await asyncio.to_thread(stack.wait_healthy, 60.0)


async def issue(stack: Stack, orders: list[VoucherIssued]) -> None:
    """Publish the orders as the exchange platform would (CloudEvents, keyed)."""
    assert stack.infra is not None
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra.kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:
        for issued in orders:
            headers = cloudevents.make_headers(
                ce_type=VOUCHER_ISSUED.ce_type, source="/exchange-platform"
            )
            await producer.send(
                VOUCHER_ISSUED.name,
                issued.model_dump_json().encode(),
                key=VOUCHER_ISSUED.key_of(issued).encode(),
                headers=cloudevents.encode(headers),
            )
        await producer.flush()
    finally:
        await producer.stop()


async def arrived(
    agent: httpx.AsyncClient, orders: list[VoucherIssued], within: float = 90
) -> None:
    """Every order searchable at the gateway (one look at a time: the stack is not the test's
    to flood before the fault)."""
    waiting = [o.merchant_order_no for o in orders]
    deadline = time.monotonic() + within
    while waiting:
        assert time.monotonic() < deadline, f"{len(waiting)} orders not ingested in {within} s"
        try:
            response = await agent.get("/api/v1/vouchers", params={"merchant_order_no": waiting[0]})
        except httpx.HTTPError:
            await asyncio.sleep(0.5)
            continue
        if response.status_code == 200 and response.json()["items"]:
            waiting.pop(0)
        else:
            await asyncio.sleep(0.2)


async def check(
    stack: Stack,
    fault: str,
    commands: list[Command],
    top_ups: list[TopUp],
    refunds: list[Payout],
    killed_at: float,
) -> Figures:
    accepted = [c for c in commands if c.accepted]
    finished = [c for c in accepted if c.final is not None]
    after = [c for c in accepted if c.sent_at >= killed_at]
    first_accepted = [c.answered_at for c in after if c.answered_at is not None]
    first_success = [c.finished_at for c in after if c.final == "succeeded" and c.finished_at]
    # a top-up is answered when it is done
    counter_after = [t.answered_at for t in top_ups if t.sent_at >= killed_at and t.answered_at]
    done_at = [c.finished_at for c in finished if c.finished_at is not None]
    succeeded = [c for c in finished if c.final == "succeeded"]
    assert stack.infra is not None
    url = stack.infra.database_url
    numbers = [c.order.merchant_order_no for c in accepted]

    points = await asyncpg.connect(database_url_with_name(url, "kefu_points"))
    try:
        moved = {
            r["merchant_order_no"]: (r["n"], r["s"])
            for r in await points.fetch(
                "SELECT merchant_order_no, count(*) AS n, sum(points) AS s FROM bubble_movements"
                " WHERE merchant_order_no = ANY($1::text[]) GROUP BY merchant_order_no",
                numbers,
            )
        }
        asked_again = await points.fetchval(
            "SELECT count(*) FROM point_refunds WHERE merchant_order_no = ANY($1::text[])"
            " AND provider_calls > 1",
            numbers,
        )
    finally:
        await points.close()
    moved_twice = sum(1 for n, _ in moved.values() if n > 1)
    lost = [
        c
        for c in finished
        if (c.final == "succeeded") != (moved.get(c.order.merchant_order_no, (0, 0))[1] > 0)
        or (
            c.final == "succeeded"
            and moved[c.order.merchant_order_no][1] != c.order.points_deducted
        )
    ]
    notices_lost = await _notices_missing(url, [c.order.user_id for c in succeeded])
    sent = [t for t in top_ups if t.sent_at]
    topped_twice, topped_wrong = await topups.money_wrong(
        database_url_with_name(url, "kefu_rental"), sent
    )
    unanswered = [t for t in sent if not t.accepted and t.refused is None]
    approved = [p for p in refunds if p.accepted]
    paid_twice, paid_wrong = await payouts.money_wrong(
        database_url_with_name(url, "kefu_refund"), refunds
    )
    return Figures(
        fault=fault,
        accepted=len(accepted),
        finished=len(finished),
        stuck=len(accepted) - len(finished),
        refused=sum(1 for c in commands if c.refused is not None),
        top_ups=len(sent),
        top_ups_done=sum(1 for t in sent if t.accepted),
        top_ups_unanswered=len(unanswered),
        top_ups_refused=sum(1 for t in sent if t.refused is not None),
        top_up_first_s=(min(counter_after) - killed_at) if counter_after else None,
        payouts=sum(1 for p in refunds if p.sent_at),
        payouts_paid=sum(1 for p in approved if p.final == "completed"),
        payouts_stuck=sum(1 for p in approved if p.final is None),
        first_accepted_s=(min(first_accepted) - killed_at) if first_accepted else None,
        first_success_s=(min(first_success) - killed_at) if first_success else None,
        backlog_finished_s=_backlog_finished(accepted, first_success, killed_at),
        all_finished_s=(max(done_at) - killed_at) if done_at else None,
        moved_twice=moved_twice + topped_twice + paid_twice,
        money_lost=len(lost) + topped_wrong + paid_wrong,
        notices_lost=notices_lost,
        provider_asked_again=int(asked_again),
    )


def _backlog_finished(
    accepted: list[Command], first_success: list[float], killed_at: float
) -> float | None:
    """When every command sent before the service was back had finished (from the kill)."""
    if not first_success:
        return None
    caught = [c for c in accepted if c.sent_at < min(first_success)]
    if not caught or any(c.finished_at is None for c in caught):
        return None
    return max(c.finished_at for c in caught if c.finished_at is not None) - killed_at


async def _notices_missing(url: str, users: list[str], within: float = 30.0) -> int:
    """Customers told nothing of their points refund, after waiting ``within`` seconds."""
    notify = await asyncpg.connect(database_url_with_name(url, "kefu_notify"))
    try:
        deadline = time.monotonic() + within
        while True:
            told = await notify.fetchval(
                "SELECT count(DISTINCT recipient) FROM inbox_messages"
                " WHERE template_id = 'points_refunded' AND recipient = ANY($1::text[])",
                users,
            )
            if told == len(users) or time.monotonic() > deadline:
                return len(users) - int(told)
            await asyncio.sleep(0.5)
    finally:
        await notify.close()
