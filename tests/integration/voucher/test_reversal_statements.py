"""What each step of a reversal asks of PostgreSQL: the statements of its unit of work,
counted on the connection it runs on (asyncpg's query logger), in one transaction rolled
back at the end, as the group commit and the points answers' consumer would run them.

A step's statements are most of what it costs the service and the database (bench/
RESULTS.md, section (c)); each test fails if a step goes back to a round trip more."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from services.voucher.deps import Deps
from services.voucher.domain.saga import Reversal, SagaState
from services.voucher.handlers import reversal
from services.voucher.store import sagas, vouchers
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    POINTS_REVERSAL_REQUESTED,
    PointsReversalResult,
)
from shared.http import Actor
from shared.unit_of_work import UnitOfWork
from tests.integration.voucher.conftest import Voucher, make_order, waits_holding_the_order

pytestmark = pytest.mark.integration

AGENT = Actor("agent.li", frozenset({"agent"}))


class Counted:
    """The statements a connection sends while counting."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.sent: list[str] = []
        self.counting = False
        conn.add_query_logger(self._logged)

    def _logged(self, record: Any) -> None:
        if self.counting:
            self.sent.append(record.query)

    @asynccontextmanager
    async def counting_of(self) -> AsyncIterator[list[str]]:
        await asyncio.sleep(0)  # asyncpg calls a logger soon after the statement: not ours
        self.sent = []
        self.counting = True
        try:
            yield self.sent
        finally:
            await asyncio.sleep(0)  # the logger's last call
            self.counting = False


@asynccontextmanager
async def rolled_back(voucher: Voucher) -> AsyncIterator[tuple[UnitOfWork, Counted]]:
    """A unit of work on a connection of its own whose statements are counted; nothing of
    it stays."""
    async with voucher.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        counted = Counted(conn)
        try:
            deps: Deps = voucher.app.state.deps
            yield UnitOfWork(conn, deps.clock, deps.source), counted
        finally:
            conn.remove_query_logger(counted._logged)
            await transaction.rollback()


async def an_order(voucher: Voucher, ids: Any, points: int = 300) -> tuple[str, list[str]]:
    codes = [ids("S1"), ids("S2")]
    order_no = ids("MS")
    await voucher.issue(make_order(order_no, codes, user_id=ids("U"), points=points))
    await voucher.wait_issued(*codes)
    return order_no, codes


async def started(uow: UnitOfWork, deps: Deps, order_no: str, key: str | None) -> Any:
    return await reversal._start(uow, deps, order_no, "工单 7: 整单返销", AGENT, key)


def refunded(found: Reversal, order_no: str, points: int) -> PointsReversalResult:
    """The points gateway's answer that the saga's refund succeeded."""
    return PointsReversalResult(
        refund_id=found.saga.refund_id,
        merchant_order_no=order_no,
        user_id=found.user_id,
        points=points,
        status="succeeded",
        failure=None,
        attempt=found.saga.refund_attempt,
        completed_at=datetime.now(UTC),
    )


async def outbox_rows(conn: asyncpg.Connection, topic: str, key: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT headers, payload FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id", topic, key
    )
    return [{"headers": r["headers"], **json.loads(r["payload"])} for r in rows]


async def test_a_reversal_starts_in_three_statements(voucher: Voucher, ids: Any) -> None:
    """The key claimed with the order's lock, then its saga (none) and its vouchers locked
    with the rules' facts, then the saga begun: three statements, where the claim, the
    saga's read and the vouchers' lock were one each."""
    order_no, codes = await an_order(voucher, ids)
    deps: Deps = voucher.app.state.deps
    async with rolled_back(voucher) as (uow, counted):
        async with counted.counting_of() as sent:
            begun = await started(uow, deps, order_no, ids("K"))
        assert len(sent) == 3, sent
        assert isinstance(begun, reversal._Started) and begun.voiding is not None
        assert [v.code for v in begun.voiding.held] == sorted(codes)
        found = await sagas.of_order(uow.conn, order_no)
        assert found is not None and found.saga.state is SagaState.VOIDING


async def test_a_second_start_sees_the_saga_the_first_committed_while_it_waited(
    voucher: Voucher, ids: Any
) -> None:
    """The saga is read in the statement that locks the vouchers, after the order's lock was
    granted: a start that waited for that lock sees the saga its holder committed, and
    follows it instead of beginning a second one."""
    order_no, _ = await an_order(voucher, ids)
    deps: Deps = voucher.app.state.deps
    first, second = [await voucher.pool.acquire() for _ in range(2)]
    try:
        first_tx = first.transaction()
        await first_tx.start()
        begun = await started(UnitOfWork(first, deps.clock, deps.source), deps, order_no, None)
        assert isinstance(begun, reversal._Started)
        async with second.transaction():
            follow = asyncio.create_task(
                started(UnitOfWork(second, deps.clock, deps.source), deps, order_no, None)
            )
            await asyncio.sleep(0.5)
            assert not follow.done()  # waiting for the order's lock
            await first_tx.commit()
            async with asyncio.timeout(10):
                followed = await follow
        assert not isinstance(followed, reversal._Started)
        assert followed.operation_id == begun.operation_id and not followed.finished
        count = await voucher.pool.fetchval(
            "SELECT count(*) FROM reversal_sagas WHERE merchant_order_no = $1", order_no
        )
        assert count == 1
    finally:
        for conn in (first, second):
            await voucher.pool.release(conn)


async def test_the_void_step_queues_the_refund_request_in_its_own_statement(
    voucher: Voucher, ids: Any
) -> None:
    """Saga and order locked with the vouchers locked and voided, then the step saved with
    the refund request queued (and the relay's wake-up) in that statement: two statements,
    where the saga's lock, the vouchers' and the request were three more."""
    order_no, codes = await an_order(voucher, ids, points=300)
    deps: Deps = voucher.app.state.deps
    async with rolled_back(voucher) as (uow, counted):
        begun = await started(uow, deps, order_no, ids("K"))
        assert begun.voiding is not None
        async with counted.counting_of() as sent:
            recorded, concluded = await reversal._record_voids(
                uow, deps, begun.voiding.step, sorted(codes), None
            )
        assert (recorded, concluded) == (True, None)
        assert len(sent) == 2, sent
        assert any("pg_notify" in q and "outbox" in q for q in sent)
        [request] = await outbox_rows(uow.conn, POINTS_REVERSAL_REQUESTED.name, order_no)
        found = await sagas.get(uow.conn, begun.saga_id)
        assert found is not None and found.saga.state is SagaState.REFUND_REQUESTED
        assert (request["refund_id"], request["points"], request["attempt"]) == (
            found.saga.refund_id,
            300,
            found.saga.refund_attempt,
        )
        assert request["headers"]["ce_type"] == POINTS_REVERSAL_REQUESTED.ce_type
        assert request["headers"]["ce_source"] == deps.source


async def test_the_conclusion_queues_the_customers_note_in_its_own_statement(
    voucher: Voucher, ids: Any
) -> None:
    """The points answer: saga and order locked, then the saga's end, the order's, the
    operation's with its records and the customer's in-app note in one statement: two
    statements, where the note was a third."""
    order_no, _ = await an_order(voucher, ids, points=300)
    deps: Deps = voucher.app.state.deps
    async with rolled_back(voucher) as (uow, counted):
        begun = await started(uow, deps, order_no, ids("K"))
        await reversal._record_voids(uow, deps, begun.voiding.step, [], None)
        found = await sagas.get(uow.conn, begun.saga_id)
        assert found is not None
        answer = refunded(found, order_no, 300)
        async with counted.counting_of() as sent:
            await reversal.apply_points_result(uow, answer)
        assert len(sent) == 2, sent
        [note] = await outbox_rows(uow.conn, NOTIFY_INAPP_REQUESTED.name, found.user_id)
        assert note["params"] == {"merchant_order_no": order_no, "points": 300}
        assert note["dedupe_key"] == f"reversal-{begun.saga_id}-points-refunded"
        status = await uow.conn.fetchval(
            "SELECT status FROM operations WHERE operation_id = $1", begun.operation_id
        )
        assert status == "succeeded"


async def test_a_void_step_that_waited_for_its_saga_sees_it_moved_on_and_voids_nothing(
    voucher: Voucher, ids: Any
) -> None:
    """The void step locks the saga (its order first) and the vouchers and voids them in one
    statement: having waited for the saga's lock while another driver took the saga over
    (a new attempt), it reads the saga as that driver left it and voids nothing."""
    order_no, codes = await an_order(voucher, ids)
    deps: Deps = voucher.app.state.deps
    holder, stepper, other = [await voucher.pool.acquire() for _ in range(3)]
    try:
        async with holder.transaction():
            begun = await started(UnitOfWork(holder, deps.clock, deps.source), deps, order_no, None)
        holder_tx = holder.transaction()
        await holder_tx.start()
        await holder.execute(
            "UPDATE reversal_sagas SET attempt = attempt + 1 WHERE saga_id = $1", begun.saga_id
        )
        async with stepper.transaction():
            step = asyncio.create_task(
                vouchers.lock_saga_and_void(stepper, begun.saga_id, 1, codes)
            )
            await waits_holding_the_order(step, other, order_no)  # on the saga's lock
            await holder_tx.commit()
            async with asyncio.timeout(10):
                assert await step == (None, {})
        stored = await voucher.pool.fetch(
            "SELECT status FROM vouchers WHERE code = ANY($1::text[])", codes
        )
        assert [r["status"] for r in stored] == ["available", "available"]
    finally:
        for conn in (holder, stepper, other):
            await voucher.pool.release(conn)


async def test_a_void_step_that_waited_for_a_voucher_sees_it_redeemed_and_leaves_it_used(
    voucher: Voucher, ids: Any
) -> None:
    """A store's redemption committed while the void step waited for that voucher's lock:
    the step reads it used (and leaves it so), and voids the others."""
    order_no, codes = await an_order(voucher, ids)
    deps: Deps = voucher.app.state.deps
    holder, stepper = [await voucher.pool.acquire() for _ in range(2)]
    try:
        async with holder.transaction():
            begun = await started(UnitOfWork(holder, deps.clock, deps.source), deps, order_no, None)
        holder_tx = holder.transaction()
        await holder_tx.start()
        await holder.execute("UPDATE vouchers SET status = 'used' WHERE code = $1", codes[1])
        async with stepper.transaction():
            step = asyncio.create_task(
                vouchers.lock_saga_and_void(stepper, begun.saga_id, 1, codes)
            )
            await asyncio.sleep(0.5)
            assert not step.done()  # waiting for the redeemed voucher's lock
            await holder_tx.commit()
            async with asyncio.timeout(10):
                found, statuses = await step
        assert found is not None and found.saga.state is SagaState.VOIDING
        assert [statuses[c].value for c in codes] == ["available", "used"]
        stored = await voucher.pool.fetch(
            "SELECT code, status, voided_by FROM vouchers WHERE code = ANY($1::text[])"
            " ORDER BY code",
            codes,
        )
        assert [(r["status"], r["voided_by"]) for r in stored] == [
            ("voided", begun.operation_id),
            ("used", None),
        ]
    finally:
        for conn in (holder, stepper):
            await voucher.pool.release(conn)
