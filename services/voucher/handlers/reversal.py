"""Order reversal (订单返销): void every voucher, then have the points refunded.

The steps of the :class:`ReversalSaga`, each a short unit of work of its own
(the issuer is called between them, never inside one). The first two run through
the group commit (``Deps.steps``): the steps of the reversals under way at once
share one transaction, each in a savepoint, each command answered after the commit.
The second's usual end (every voucher voided, the refund request queued) is one
statement: when no batch is under way it runs as its own transaction
(``Deps.one_statement``), with no batch to wait for; under load, or when it finds the
saga moved on, the step goes through a batch.

1. ``start_reversal``: check the order, create the saga (voiding) and its operation;
2. ``drive``: void the vouchers at the issuer in one call (no transaction open), then
   record the voids and the next step: all voided, the refund request
   into the outbox (refund_requested); a refusal half-way, the failure, so a retry
   resumes with exactly the vouchers still to void;
3. ``apply_points_result``: the points gateway's answer finishes the saga; on
   success the customer's in-app note goes into the outbox with it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from services.voucher.adapters.issuer import VoidRequest
from services.voucher.deps import Deps
from services.voucher.domain.errors import OrderNotFound
from services.voucher.domain.model import (
    DeductionStatus,
    Order,
    OrderStatus,
    Voucher,
    VoucherStatus,
)
from services.voucher.domain.operation import Outcome
from services.voucher.domain.rules import (
    MayOperate,
    OrderNotReversed,
    ReasonGiven,
    check,
    reversal_command_rules,
)
from services.voucher.domain.saga import (
    Reversal,
    ReversalSaga,
    SagaState,
    Transition,
    saga_id_of_refund,
)
from services.voucher.handlers import idempotency
from services.voucher.handlers.issuer_calls import void_in_order_at_issuer
from services.voucher.handlers.notifications import points_refunded
from services.voucher.store import operations, sagas, vouchers
from services.voucher.store.operations import outcome_of, outcome_of_notice
from shared import metrics
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    POINTS_REVERSAL_REQUESTED,
    InappRequested,
    PointsReversalRequested,
    PointsReversalResult,
)
from shared.db.after_commit import after_commit
from shared.http import Actor
from shared.idempotency import Command
from shared.telemetry import continuing, current_trace_id, current_traceparent
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def start_reversal(
    deps: Deps,
    *,
    merchant_order_no: str,
    reason: str | None,
    actor: Actor,
    idempotency_key: str | None,
) -> Outcome:
    """Start (or resume a failed) reversal; answer once final or after the short wait."""
    check(MayOperate(actor.roles), ReasonGiven(reason))
    assert reason is not None
    started_at = asyncio.get_running_loop().time()

    async def start(uow: UnitOfWork) -> Outcome | _Started:
        return await _start(uow, deps, merchant_order_no, reason, actor, idempotency_key)

    # with the other commands' steps that arrive meanwhile, in one transaction
    started = await deps.steps.run(start)
    if not isinstance(started, _Started):
        return started
    return await run(deps, started.saga_id, started.operation_id, started_at, started.voiding)


async def _start(
    uow: UnitOfWork,
    deps: Deps,
    merchant_order_no: str,
    reason: str,
    actor: Actor,
    idempotency_key: str | None,
) -> Outcome | _Started:
    """The start's unit of work: the key claimed, the order locked, then its saga begun (or
    resumed, or followed where one is under way)."""
    conn = uow.conn
    operation_id = uuid4()
    command = Command("reversal", merchant_order_no, {"reason": reason})
    replay, order = await idempotency.claim_and_lock_order(
        conn, idempotency_key, command, operation_id, merchant_order_no
    )
    if replay is not None:
        return replay
    if order is None:
        raise OrderNotFound(f"no order {merchant_order_no}")
    # read once the order's lock is ours (a statement of its own), with its vouchers, and
    # its saga begun in the same statement if it had none: the rules, checked on what was
    # read, undo the beginning (this unit's transaction) when they refuse
    started = ReversalSaga.start(uuid4(), order.merchant_order_no)
    beginning = sagas.beginning_args(
        started,
        operation_id,
        reason=reason.strip(),
        operator=actor.username,
        traceparent=current_traceparent(),
        due_in=deps.lease_seconds,
        trace_id=current_trace_id(),
    )
    found, held, facts = await vouchers.lock_saga_and_vouchers(conn, order, deps.today(), beginning)
    if found is None:
        check(*reversal_command_rules(facts))
        return _begun(uow, started, order, held, operation_id, actor.username, reason)
    check(OrderNotReversed(order.order_status))
    await idempotency.rebind(conn, idempotency_key, found.operation_id)
    if not found.saga.finished:
        return await outcome_of(conn, found.operation_id)  # already under way: follow it
    saga_id = await resume(uow, deps, found, actor=actor.username, reason=reason)
    return _Started(saga_id, found.operation_id, voiding=None)


def _begun(
    uow: UnitOfWork,
    started: Transition,
    order: Order,
    held: list[Voucher],
    operation_id: UUID,
    actor: str,
    reason: str,
) -> _Started:
    """The saga of an order that had none, begun and its rules passed (``held``: its
    vouchers, locked): what the void step needs, read under the order's lock, so its driver
    need not read again."""
    saga = started.after
    begun = Reversal(
        saga=saga,
        operation_id=operation_id,
        reason=reason.strip(),
        operator=actor,
        traceparent=current_traceparent(),
        user_id=order.user_id,
        points=order.points_deducted,
        started_at=uow.now(),
    )
    voiding = _Voiding(_Step(saga.saga_id, saga.attempt, begun), held)
    return _Started(saga.saga_id, operation_id, voiding)


async def resume(
    uow: UnitOfWork,
    deps: Deps,
    found: Reversal,
    *,
    actor: str,
    reason: str | None,
) -> UUID:
    """Resume a failed saga from its failed step (in the caller's transaction, order locked)."""
    conn = uow.conn
    saga = found.saga
    if saga.state is SagaState.FAILED and saga.failure is not None:
        order_no = saga.merchant_order_no
        await vouchers.vouchers_of_order(conn, order_no, lock=True)
        check(*reversal_command_rules(await vouchers.facts_of_order(conn, order_no, deps.today())))
    step = saga.resume()
    reason = (reason or "").strip() or found.reason
    voiding = step.after.state is SagaState.VOIDING
    await sagas.save(
        conn,
        step,
        due_in=deps.lease_seconds if voiding else deps.settings.points_request_timeout_seconds,
        trace_id=current_trace_id(),
        order_status=OrderStatus.REVERSING,
    )
    await operations.restart(
        conn,
        found.operation_id,
        attempt=step.after.attempt,
        reason=reason,
        operator=actor,
        lease_seconds=None,
        traceparent=current_traceparent(),
    )
    if step.requests_refund:
        await _request_refund(uow, step.after, found, reason=reason, requested_by=actor)
    return saga.saga_id


async def run(
    deps: Deps,
    saga_id: UUID,
    operation_id: UUID,
    started_at: float,
    voiding: _Voiding | None = None,
) -> Outcome:
    """Drive the void step now, then wait what is left of the short wait for the answer."""
    with deps.waiters.watching(operation_id) as watch:
        recorded = False
        try:
            recorded = await drive(deps, saga_id, voiding)
        except Exception:  # the lease runs out and the timer sweep resumes it
            log.exception("reversal step failed; the timer sweep will resume it")
        loop = asyncio.get_running_loop()
        remaining = deps.settings.reversal_wait_seconds - (loop.time() - started_at)
        # recorded: the step committed while we watched, so whatever finishes the
        # operation from there on wakes us; no read is needed before it does
        return await watch.wait(
            remaining,
            lambda: outcome_of(deps.pool, operation_id),
            told=recorded,
            from_notice=outcome_of_notice,
        )


async def drive(deps: Deps, saga_id: UUID, voiding: _Voiding | None = None) -> bool:
    """Void what the saga has still to void; then ask for the refund. Safe to run twice.

    ``voiding``: the step and the order's vouchers as the caller read them in the
    transaction that started it; None: read them here. True if this driver recorded the
    step (the saga was still voiding on its attempt)."""
    if voiding is None:
        async with deps.unit() as uow:  # read only, closed before the issuer is called
            found = await sagas.get(uow.conn, saga_id)
            if found is None or found.saga.state is not SagaState.VOIDING:
                return False
            held = await vouchers.vouchers_of_order(uow.conn, found.saga.merchant_order_no)
        saga = found.saga
        voiding = _Voiding(_Step(saga_id, saga.attempt, found), held)
    step = voiding.step
    voided, stop = await _void_at_issuer(deps, step, voiding.held)
    # the usual end alone when no batch would share its commit (it would wait for the one
    # running); under load it joins a batch, which shares the commit with the others
    alone = stop is None and step.expected is not None and deps.steps.idle
    if alone and await _voided_alone(deps, step, voided):
        return True

    async def record(uow: UnitOfWork) -> tuple[bool, _Concluded | None]:
        return await _record_voids(uow, deps, step, voided, stop)

    recorded, concluded = await deps.steps.run(record)
    if concluded is not None:  # counted once it committed: a batch may run it twice
        concluded.count()
    return recorded


@dataclass(frozen=True)
class _Step:
    """The void step of one attempt of one saga, as a driver sees it."""

    saga_id: UUID
    attempt: int
    expected: Reversal | None = None
    """The saga as it stood when this attempt's voiding began, if the driver knows it: the
    refund request that follows is built from it and queued with the voids, if the saga
    still stands so when they are recorded."""


@dataclass(frozen=True)
class _Stop:
    """Why voiding stopped before the last voucher."""

    used: bool
    detail: str


@dataclass(frozen=True)
class _Voiding:
    """What the void step of an attempt works on: the step, and the order's vouchers."""

    step: _Step
    held: list[Voucher]


@dataclass(frozen=True)
class _Started:
    """A reversal (re)started: its saga and operation, and its void step when known."""

    saga_id: UUID
    operation_id: UUID
    voiding: _Voiding | None


async def _void_at_issuer(
    deps: Deps, step: _Step, held: list[Voucher]
) -> tuple[list[str], _Stop | None]:
    """Void each voucher not yet voided, in order, until one cannot be, in one call to the
    issuer; no transaction is open meanwhile. A crash before the voids are recorded is
    safe: the driver that takes over voids them again, and the issuer answers a repeated
    void with success."""
    to_void: list[VoidRequest] = []
    used: str | None = None
    for voucher in held:
        if voucher.stored_status is VoucherStatus.VOIDED:
            continue  # voided before this attempt: never void twice
        if voucher.stored_status is VoucherStatus.USED:
            used = voucher.code
            break
        request_id = f"{step.saga_id}-void-{voucher.code}-{step.attempt}"
        to_void.append(VoidRequest(voucher.code, request_id))
    results = await void_in_order_at_issuer(deps.issuer, to_void) if to_void else []
    voided: list[str] = []
    for request, result in zip(to_void, results, strict=False):
        if not result.voided:
            return voided, _Stop(used=False, detail=f"{request.code}: {result.detail}")
        voided.append(request.code)
    if used is not None:
        return voided, _Stop(used=True, detail=f"{used} was used")
    return voided, None


async def _voided_alone(deps: Deps, step: _Step, voided: list[str]) -> bool:
    """All voided, the usual end: recorded in the one statement of
    :func:`_void_and_request_refund`, its own transaction (one round trip, and no wait for a
    batch to begin). False if the step was not taken: the caller records the voids as the
    saga now stands, in a batch's transaction (what that statement wrote, the voids, it
    writes again as they are)."""
    assert step.expected is not None
    async with deps.one_statement() as uow:
        _, _, stepped = await _void_and_request_refund(uow, deps, step.expected, voided)
    return stepped


async def _record_voids(
    uow: UnitOfWork, deps: Deps, step: _Step, voided: list[str], stop: _Stop | None
) -> tuple[bool, _Concluded | None]:
    """The issuer's voids, then the saga's next step (the refund request, or the failure
    that stopped it), in one transaction, so a half-voided order is recorded exactly as
    far as it got, and a retry resumes from there. False if the saga had moved on; the
    attempt's end if the step ended it."""
    # the saga locked (its order first), then its vouchers, the issuer's voids marked if it
    # is still voiding on this attempt, in one statement; one found used was redeemed at a
    # store after we read it and before the issuer voided it
    if stop is None and step.expected is not None:
        found, now, stepped = await _void_and_request_refund(uow, deps, step.expected, voided)
        if stepped:
            return True, None
    else:
        found, now = await vouchers.lock_saga_and_void(uow.conn, step.saga_id, step.attempt, voided)
    if found is None:
        return False, None  # another driver took over, or it moved on
    saga = found.saga
    used = [code for code in voided if now[code] is VoucherStatus.USED]
    if used:
        return True, await _conclude(uow, found, saga.voucher_used(), f"{used[0]} was used")
    if stop is not None:
        failed = saga.voucher_used() if stop.used else saga.void_failed()
        return True, await _conclude(uow, found, failed, stop.detail)
    step_done = saga.vouchers_voided()
    request = _refund_request(step_done.after, found, reason=found.reason, by=found.operator)
    await sagas.save(  # the refund request queued in the step's statement
        uow.conn,
        step_done,
        due_in=deps.settings.points_request_timeout_seconds,
        trace_id=current_trace_id(),
        sends=uow.outgoing(POINTS_REVERSAL_REQUESTED, request),
    )
    return True, None


async def _void_and_request_refund(
    uow: UnitOfWork, deps: Deps, expected: Reversal, voided: list[str]
) -> tuple[Reversal | None, dict[str, VoucherStatus], bool]:
    """All voided, the usual end: the voids recorded and, in the same statement, the step
    to the refund request, built from the saga as ``expected`` and taken only if the saga,
    locked, still stands so and no voucher was found used (one round trip for the whole
    record). True if it was taken; if not, nothing of the step was written and the caller
    goes on from what the statement read, as after ``vouchers.lock_saga_and_void``."""
    step_done = expected.saga.vouchers_voided()
    request = _refund_request(
        step_done.after, expected, reason=expected.reason, by=expected.operator
    )
    sends = uow.outgoing(POINTS_REVERSAL_REQUESTED, request, gated=True)
    stepping = sagas.stepping_args(
        step_done,
        due_in=deps.settings.points_request_timeout_seconds,
        trace_id=current_trace_id(),
        sends=sends,
    )
    found, now, stepped = await vouchers.lock_saga_void_and_step(
        uow.conn, expected, voided, stepping
    )
    if stepped:
        uow.written(sends)
    return found, now, stepped


async def rerequest_overdue_refunds(deps: Deps) -> int:
    """The durable timer: ask again where the points gateway has not answered in time."""
    async with deps.unit() as uow:
        overdue = await sagas.lock_overdue_refunds(uow.conn)
        for found in overdue:
            with continuing(found.traceparent, "reversal refund overdue"):
                step = found.saga.refund_overdue()
                await sagas.save(
                    uow.conn,
                    step,
                    due_in=deps.settings.points_request_timeout_seconds,
                    trace_id=current_trace_id(),
                )
                await _request_refund(
                    uow, step.after, found, reason=found.reason, requested_by=found.operator
                )
    return len(overdue)


async def _request_refund(
    uow: UnitOfWork,
    saga: ReversalSaga,
    found: Reversal,
    *,
    reason: str,
    requested_by: str,
) -> None:
    request = _refund_request(saga, found, reason=reason, by=requested_by)
    await uow.publish(POINTS_REVERSAL_REQUESTED, request)


def _refund_request(
    saga: ReversalSaga, found: Reversal, *, reason: str, by: str
) -> PointsReversalRequested:
    return PointsReversalRequested(
        refund_id=saga.refund_id,
        merchant_order_no=saga.merchant_order_no,
        user_id=found.user_id,
        source="bubble",
        points=found.points,
        reason=reason,
        requested_by=by,
        attempt=saga.refund_attempt,
    )


async def apply_points_result(uow: UnitOfWork, result: PointsReversalResult) -> None:
    """The points gateway answered: finish the saga (a late or repeated answer does nothing).

    Success also tells the customer in-app, in this same transaction: the note exists
    exactly when the success does.
    """
    conn = uow.conn
    saga_id = saga_id_of_refund(result.refund_id)
    found = None
    if saga_id is not None and result.status == "succeeded":
        found, concluded = await _conclude_refunded(uow, saga_id, result)
        if concluded is not None:
            after_commit(concluded.count)  # a batch of answers may run this twice
            return
    elif saga_id is not None:
        found = await sagas.get(conn, saga_id, lock=True)  # its order first, always
    if found is None or found.saga.merchant_order_no != result.merchant_order_no:
        log.warning(
            "points answer for no reversal of ours; ignored",
            extra={"fields": {"refund_id": result.refund_id}},
        )
        return
    step = found.saga.refund_answered(
        succeeded=result.status == "succeeded", attempt=result.attempt
    )
    if step is None:
        return
    note = None
    if step.after.state is SagaState.SUCCEEDED:  # the customer's note, in the same statement
        note = points_refunded(step.after, user_id=found.user_id, points=result.points)
    concluded = await _conclude(uow, found, step, detail=result.failure, note=note)
    after_commit(concluded.count)  # a batch of answers may run this twice


async def _conclude_refunded(
    uow: UnitOfWork, saga_id: UUID, result: PointsReversalResult
) -> tuple[Reversal | None, _Concluded | None]:
    """The usual answer, the latest refund request succeeded on the saga's first attempt:
    the saga locked and, in the same statement, its end as :func:`_conclude` writes it (the
    customer's note included), built from the answer alone and taken only if the saga,
    locked, stands as that answer expects (one round trip for the whole answer). The saga
    as it was locked, and the attempt's end if it was taken; if not, nothing was written
    and the caller goes on from the saga as read."""
    expected = ReversalSaga(
        saga_id,
        result.merchant_order_no,
        SagaState.REFUND_REQUESTED,
        refund_attempt=result.attempt,
    )
    step = expected.refund_answered(succeeded=True, attempt=result.attempt)
    assert step is not None  # an open refund's success always ends it
    note = points_refunded(step.after, user_id=result.user_id, points=result.points)
    trace_id = current_trace_id()
    sends = uow.outgoing(NOTIFY_INAPP_REQUESTED, note, gated=True)
    stepping = sagas.stepping_args(
        step,
        due_in=None,
        trace_id=trace_id,
        detail=result.failure,
        order_status=OrderStatus.REVERSED,
        deduction_status=DeductionStatus.REFUNDED,
        sends=sends,
        finished=operations.finishing_args(
            step.after.operation_status, step.after.failure, trace_id=trace_id
        ),
    )
    found, stepped = await sagas.lock_and_step(
        uow.conn, expected, result.user_id, stepping, sends=True, finished=True
    )
    if found is None or not stepped:
        return found, None
    uow.written(sends)
    return found, _Concluded(step.after, (datetime.now(UTC) - found.started_at).total_seconds())


@dataclass(frozen=True)
class _Concluded:
    """An attempt's end, for the metrics (counted by the caller once it committed)."""

    saga: ReversalSaga
    elapsed: float

    def count(self) -> None:
        metrics.saga_finished("reversal", self.saga.state, self.elapsed)
        metrics.operation_finished("reversal", self.saga.operation_status, self.saga.failure)


async def _conclude(
    uow: UnitOfWork,
    found: Reversal,
    step: Transition,
    detail: str | None,
    note: InappRequested | None = None,
) -> _Concluded:
    """A final state for this attempt: the saga, the order, the operation and its records,
    and the customer's ``note`` if there is one."""
    conn = uow.conn
    saga = step.after
    succeeded = saga.state is SagaState.SUCCEEDED
    # with the order's final status, and the operation's end with a record for each of
    # the order's vouchers: one statement
    await sagas.save(
        conn,
        step,
        due_in=None,
        trace_id=current_trace_id(),
        detail=detail,
        order_status=OrderStatus.REVERSED if succeeded else OrderStatus.REVERSAL_FAILED,
        deduction_status=DeductionStatus.REFUNDED if succeeded else None,
        finished=operations.finish_args(
            found.operation_id, saga.operation_status, saga.failure, trace_id=current_trace_id()
        ),
        sends=uow.outgoing(NOTIFY_INAPP_REQUESTED, note) if note else None,
    )
    return _Concluded(saga, (datetime.now(UTC) - found.started_at).total_seconds())
