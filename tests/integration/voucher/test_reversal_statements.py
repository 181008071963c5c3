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
from tests.statements import asyncpg_own

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
        # not asyncpg's look-up of a type the connection meets first (a domain's, migration
        # 0011): once a connection, whichever one the test is lent
        if self.counting and not asyncpg_own(record.query):
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


async def test_a_reversal_starts_in_two_statements(voucher: Voucher, ids: Any) -> None:
    """The key claimed with the order's lock, then its saga (none) and its vouchers locked
    with the rules' facts and the saga begun: two statements, where the claim, the saga's
    read, the vouchers' lock and the beginning were one each."""
    order_no, codes = await an_order(voucher, ids)
    deps: Deps = voucher.app.state.deps
    async with rolled_back(voucher) as (uow, counted):
        async with counted.counting_of() as sent:
            begun = await started(uow, deps, order_no, ids("K"))
        assert len(sent) == 2, sent
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


@asynccontextmanager
async def begun_then(
    voucher: Voucher, ids: Any, change: str | None = None, about: str = ""
) -> AsyncIterator[tuple[UnitOfWork, Counted, Any, str, list[str]]]:
    """A reversal begun (of 300 points), then ``change`` made to it if given, before its void
    step is recorded (its ``$1``, by ``about``: the saga's id, its operation's, or the
    order's second voucher); nothing of it stays."""
    order_no, codes = await an_order(voucher, ids, points=300)
    deps: Deps = voucher.app.state.deps
    async with rolled_back(voucher) as (uow, counted):
        begun = await started(uow, deps, order_no, ids("K"))
        assert begun.voiding is not None
        subject = {"saga": begun.saga_id, "operation": begun.operation_id, "voucher": codes[1]}
        if change is not None:
            await uow.conn.execute(change, subject[about])
        yield uow, counted, begun, order_no, codes


async def record_all_voided(uow: UnitOfWork, voucher: Voucher, begun: Any, codes: list[str]) -> Any:
    deps: Deps = voucher.app.state.deps
    return await reversal._record_voids(uow, deps, begun.voiding.step, sorted(codes), None)


async def test_the_void_step_queues_the_refund_request_in_its_own_statement(
    voucher: Voucher, ids: Any
) -> None:
    """Saga and order locked with the vouchers locked and voided, and in that statement the
    step saved with the refund request queued (and the relay's wake-up, if asked): one statement,
    where the lock and the step were two, and the saga's lock, the vouchers' and the request
    three more before that."""
    deps: Deps = voucher.app.state.deps
    async with begun_then(voucher, ids) as (uow, counted, begun, order_no, codes):
        async with counted.counting_of() as sent:
            recorded, concluded = await record_all_voided(uow, voucher, begun, codes)
        assert (recorded, concluded) == (True, None)
        assert len(sent) == 1, sent
        assert any("outbox_wake" in q and "outbox" in q for q in sent)
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


async def history_of(conn: asyncpg.Connection, saga_id: Any) -> list[str]:
    rows = await conn.fetch(
        "SELECT event FROM reversal_saga_history WHERE saga_id = $1 ORDER BY id", saga_id
    )
    return [r["event"] for r in rows]


async def test_a_void_step_whose_saga_changed_since_it_began_asks_for_the_refund_as_it_now_is(
    voucher: Voucher, ids: Any
) -> None:
    """The refund request built when the attempt began is written only if the saga, locked,
    still stands as it did: here its operation's reason changed meanwhile, so the step is
    saved in a second statement, with the request as the saga now stands, once."""
    change = "UPDATE operations SET reason = 'changed' WHERE operation_id = $1"
    async with begun_then(voucher, ids, change, "operation") as (
        uow,
        counted,
        begun,
        order_no,
        codes,
    ):
        async with counted.counting_of() as sent:
            recorded, concluded = await record_all_voided(uow, voucher, begun, codes)
        assert (recorded, concluded) == (True, None)
        assert len(sent) == 2, sent
        [request] = await outbox_rows(uow.conn, POINTS_REVERSAL_REQUESTED.name, order_no)
        assert request["reason"] == "changed"
        assert await history_of(uow.conn, begun.saga_id) == ["started", "vouchers_voided"]
        found = await sagas.get(uow.conn, begun.saga_id)
        assert found is not None and found.saga.state is SagaState.REFUND_REQUESTED


async def test_a_void_step_that_finds_a_voucher_used_asks_for_no_refund(
    voucher: Voucher, ids: Any
) -> None:
    """A store redeemed a voucher after the start read it: the statement that locks and
    voids finds it used, writes nothing of the refund's step, and the attempt ends as the
    voucher used, with no refund request queued."""
    change = "UPDATE vouchers SET status = 'used' WHERE code = $1"
    async with begun_then(voucher, ids, change, "voucher") as (uow, _, begun, order_no, codes):
        recorded, concluded = await record_all_voided(uow, voucher, begun, codes)
        assert recorded and concluded is not None
        assert await outbox_rows(uow.conn, POINTS_REVERSAL_REQUESTED.name, order_no) == []
        assert await history_of(uow.conn, begun.saga_id) == ["started", "voucher_used"]
        found = await sagas.get(uow.conn, begun.saga_id)
        assert found is not None and found.saga.state is SagaState.FAILED
        assert found.saga.refund_attempt == 0


async def test_a_void_step_of_a_saga_another_driver_moved_on_writes_nothing(
    voucher: Voucher, ids: Any
) -> None:
    """The saga was taken over (a new attempt) before this driver recorded its voids: the
    step is not taken, no voucher is voided, no refund is asked for."""
    change = "UPDATE reversal_sagas SET attempt = attempt + 1 WHERE saga_id = $1"
    async with begun_then(voucher, ids, change, "saga") as (uow, _, begun, order_no, codes):
        assert await record_all_voided(uow, voucher, begun, codes) == (False, None)
        assert await outbox_rows(uow.conn, POINTS_REVERSAL_REQUESTED.name, order_no) == []
        assert await history_of(uow.conn, begun.saga_id) == ["started"]
        stored = await uow.conn.fetch(
            "SELECT status FROM vouchers WHERE code = ANY($1::text[])", codes
        )
        assert [r["status"] for r in stored] == ["available", "available"]


async def concluded_in(
    voucher: Voucher, ids: Any, change: str | None, statements: int, event_attempt: int
) -> None:
    """A reversal begun and its vouchers voided, then ``change`` made to its saga (``$1``: its
    id) if given, then the points gateway's success: concluded in ``statements``, the note
    queued, the operation succeeded, the history's last row the success on
    ``event_attempt``."""
    async with begun_then(voucher, ids) as (uow, counted, begun, order_no, codes):
        await record_all_voided(uow, voucher, begun, codes)
        if change is not None:
            await uow.conn.execute(change, begun.saga_id)
        found = await sagas.get(uow.conn, begun.saga_id)
        assert found is not None
        async with counted.counting_of() as sent:
            await reversal.apply_points_result(uow, refunded(found, order_no, 300))
        assert len(sent) == statements, sent
        [note] = await outbox_rows(uow.conn, NOTIFY_INAPP_REQUESTED.name, found.user_id)
        assert note["params"] == {"merchant_order_no": order_no, "points": 300}
        assert note["dedupe_key"] == f"reversal-{begun.saga_id}-points-refunded"
        status = await uow.conn.fetchval(
            "SELECT status FROM operations WHERE operation_id = $1", begun.operation_id
        )
        assert status == "succeeded"
        records = await uow.conn.fetchval(
            "SELECT count(*) FROM operation_records WHERE operation_id = $1 AND result = $2",
            begun.operation_id,
            "succeeded",
        )
        assert records == len(codes)
        last = await uow.conn.fetchrow(
            "SELECT event, attempt, to_state FROM reversal_saga_history WHERE saga_id = $1"
            " ORDER BY id DESC LIMIT 1",
            begun.saga_id,
        )
        assert tuple(last) == ("refund_succeeded", event_attempt, "succeeded")
        order = await uow.conn.fetchrow(
            "SELECT order_status, deduction_status FROM orders WHERE merchant_order_no = $1",
            order_no,
        )
        assert tuple(order) == ("reversed", "refunded")


async def test_the_conclusion_is_one_statement(voucher: Voucher, ids: Any) -> None:
    """The points answer, the usual one (the latest request succeeded, the saga's first
    attempt): the saga and order locked, and in that statement the saga's end, the order's,
    the operation's with its records and the customer's in-app note: one statement, where
    the lock and the end were two."""
    await concluded_in(voucher, ids, None, statements=1, event_attempt=1)


async def test_an_answer_the_saga_does_not_stand_as_expected_for_concludes_as_it_stands(
    voucher: Voucher, ids: Any
) -> None:
    """A saga on its second attempt (resumed after a failure): the end built from the answer
    alone is not taken, and the saga ends in a second statement, on its own attempt."""
    change = "UPDATE reversal_sagas SET attempt = 2 WHERE saga_id = $1"
    await concluded_in(voucher, ids, change, statements=2, event_attempt=2)


@pytest.mark.parametrize("with_its_step", [False, True])
async def test_a_void_step_that_waited_for_its_saga_sees_it_moved_on_and_voids_nothing(
    voucher: Voucher, ids: Any, with_its_step: bool
) -> None:
    """The void step locks the saga (its order first) and the vouchers and voids them in one
    statement: having waited for the saga's lock while another driver took the saga over
    (a new attempt), it reads the saga as that driver left it and voids nothing; with its
    step built beforehand (the refund request), it takes none of it either."""
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
            uow = UnitOfWork(stepper, deps.clock, deps.source)
            step = asyncio.create_task(
                record_all_voided(uow, voucher, begun, codes)
                if with_its_step
                else vouchers.lock_saga_and_void(stepper, begun.saga_id, 1, codes)
            )
            await waits_holding_the_order(step, other, order_no)  # on the saga's lock
            await holder_tx.commit()
            async with asyncio.timeout(10):
                assert await step == ((False, None) if with_its_step else (None, {}))
        stored = await voucher.pool.fetch(
            "SELECT status FROM vouchers WHERE code = ANY($1::text[])", codes
        )
        assert [r["status"] for r in stored] == ["available", "available"]
        async with voucher.pool.acquire() as conn:
            assert await outbox_rows(conn, POINTS_REVERSAL_REQUESTED.name, order_no) == []
            assert await history_of(conn, begun.saga_id) == ["started"]
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
