"""A command waiting for its operation: woken by the commit's notification, not by polling,
and still woken when the listening connection is lost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from services.voucher.domain.model import Failure, OperationStatus, OperationType
from services.voucher.domain.operation import Outcome
from services.voucher.store import operations
from services.voucher.store.operations import FINISHED_CHANNEL
from services.voucher.store.waiters import OperationWaiters
from tests.infra import eventually
from tests.integration.shared.test_listen import kill_listening
from tests.integration.voucher.conftest import Voucher, make_order

pytestmark = pytest.mark.integration


@dataclass
class Status:
    finished: bool


class Operation:
    """Stands in for an operation row: counts how often a waiter reads it."""

    def __init__(self) -> None:
        self.finished = False
        self.reads = 0

    async def read(self) -> Status:
        self.reads += 1
        return Status(self.finished)


@pytest.fixture
async def waiters(voucher: Voucher) -> AsyncIterator[OperationWaiters]:
    w = OperationWaiters(voucher.pool)
    await w.start()
    try:
        yield w
    finally:
        await w.stop()


async def test_a_waiter_reads_again_only_when_notified(
    voucher: Voucher, waiters: OperationWaiters
) -> None:
    operation_id, op = uuid.uuid4(), Operation()
    waiting = asyncio.create_task(waiters.wait(operation_id, 10, op.read))
    await asyncio.sleep(1.5)  # a poll every half second would have read three more times
    assert op.reads == 1
    op.finished = True
    await voucher.pool.execute("SELECT pg_notify($1, $2)", FINISHED_CHANNEL, str(operation_id))
    async with asyncio.timeout(2):
        outcome = await waiting
    assert outcome.finished and op.reads == 2


async def test_a_waiter_is_woken_when_the_listening_connection_is_lost(
    voucher: Voucher, waiters: OperationWaiters
) -> None:
    operation_id, op = uuid.uuid4(), Operation()
    waiting = asyncio.create_task(waiters.wait(operation_id, 10, op.read))
    await asyncio.sleep(0.2)
    op.finished = True  # finished, but the notification is lost with the connection
    await kill_listening(voucher.pool, waiters.listener)
    async with asyncio.timeout(3):
        outcome = await waiting
    assert outcome.finished

    async def listening() -> bool:
        return waiters.listening

    await eventually(listening, within=10, what="listening again")
    again, op2 = uuid.uuid4(), Operation()
    waiting = asyncio.create_task(waiters.wait(again, 10, op2.read))
    await asyncio.sleep(0.1)
    op2.finished = True
    await voucher.pool.execute("SELECT pg_notify($1, $2)", FINISHED_CHANNEL, str(again))
    async with asyncio.timeout(2):
        assert (await waiting).finished


async def test_a_watch_told_of_its_end_answers_from_the_notice_without_reading(
    voucher: Voucher, waiters: OperationWaiters, ids
) -> None:
    """A command that committed its step while watching waits for the notice, and the
    notice carries the outcome: no read before it, none after it."""
    operation_id, op = uuid.uuid4(), Operation()
    order_no, code = f"M{ids('W')}", ids("W")
    await voucher.issue(make_order(order_no, [code], user_id=ids("U")))
    await voucher.wait_issued(code)
    async with voucher.pool.acquire() as conn:
        await operations.insert(
            conn,
            operation_id=operation_id,
            type=OperationType.REVERSAL,
            merchant_order_no=order_no,
            code=None,
            reason="test",
            operator="agent.li",
            lease_seconds=None,
            traceparent=None,
        )
    with waiters.watching(operation_id) as watch:
        waiting = asyncio.create_task(
            watch.wait(10, op.read, told=True, from_notice=operations.outcome_of_notice)
        )
        await asyncio.sleep(0.3)
        assert op.reads == 0
        async with voucher.pool.acquire() as conn, conn.transaction():
            await operations.finish(conn, operation_id, OperationStatus.FAILED, Failure.VOID_FAILED)
        async with asyncio.timeout(2):
            outcome = await waiting
    assert op.reads == 0
    assert outcome == Outcome(
        operation_id,
        OperationType.REVERSAL,
        OperationStatus.FAILED,
        Failure.VOID_FAILED,
        order_no,
        None,
    )
