"""Refunds requested by other services (refund.requested.v1): received once per
request_id, approved or rejected by an ops supervisor under the daily window and
caps, paid, and answered once on refund.completed.v1 / refund.rejected.v1."""

from __future__ import annotations

import uuid

from services.refund.deps import Deps
from services.refund.domain import requested as rules
from services.refund.domain.errors import RequestConflict
from services.refund.domain.payouts import destination, payout_id
from services.refund.domain.requested import Policy, RequestedState, business_day
from services.refund.domain.stored import RequestedRefund
from services.refund.handlers import keys
from services.refund.handlers.keys import Keyed
from services.refund.handlers.notices import text_customer, yuan
from services.refund.store import payouts
from services.refund.store import requested as store
from shared import metrics
from shared.contracts import (
    REFUND_COMPLETED,
    REFUND_REJECTED,
    RefundCompleted,
    RefundRejected,
    RefundRequested,
)
from shared.http import Actor
from shared.idempotency import Answer
from shared.unit_of_work import UnitOfWork

SMS_TEMPLATE = {"deposit": "deposit_refunded", "stored_value": "stored_value_refunded"}
KEPT = {
    "request_id",
    "requester",
    "kind",
    "user_id",
    "amount_cents",
    "phone",
    "reason",
    "requested_by",
    "requested_at",
    "payout_method",
    "payout_account",
}
"""The request's fields this service keeps: a producer may add optional fields to the
contract (shared/contracts/base.py), which must not break the insert."""


async def receive(uow: UnitOfWork, request: RefundRequested) -> None:
    """Open a refund for the request, once per request_id (a repeat changes nothing)."""
    conn = uow.conn
    known = await store.by_request(conn, request.request_id)
    if known is None:
        now = uow.now()
        inserted = await store.insert(
            conn,
            {
                "refund_id": f"RR{uuid.uuid4().hex[:12].upper()}",
                **request.model_dump(include=KEPT),
                "received_at": now,
                "state": RequestedState.AWAITING_APPROVAL.value,
                "updated_at": now,
            },
        )
        if inserted:
            return
        known = await store.by_request(conn, request.request_id)
    assert known is not None
    same = (known.user_id, known.amount_cents, known.kind, known.requester) == (
        request.user_id,
        request.amount_cents,
        request.kind,
        request.requester,
    )
    if not same:
        raise RequestConflict(
            f"request {request.request_id} was received before with other content"
        )


async def approve(
    deps: Deps,
    refund_id: str,
    *,
    confirmed_cents: int,
    opinion: str,
    actor: Actor,
    keyed: Keyed[None],
) -> Answer:
    async def act(uow: UnitOfWork) -> None:
        conn, now = uow.conn, uow.now()
        # lock order: the refund, then the day's totals (every approval takes both so)
        row = await store.row_of(conn, refund_id, lock=True)
        policy = (await store.policy(conn)).policy
        day = business_day(now, deps.settings.tz)
        totals = await store.lock_day(conn, day)
        after = rules.approve(
            state=RequestedState(row.state),
            amount_cents=row.amount_cents,
            requested_by=row.requested_by,
            confirmed_cents=confirmed_cents,
            actor=actor.username,
            roles=actor.roles,
            policy=policy,
            totals=totals,
            now=now,
            tz=deps.settings.tz,
        )
        await store.save_day(conn, after)
        await store.update(
            conn,
            refund_id,
            now,
            state=RequestedState.PAYING.value,
            decided_by=actor.username,
            decided_at=now,
            opinion=opinion.strip(),
            business_day=day,
        )
        await payouts.owe(
            conn,
            payout_id=payout_id("requested", refund_id),
            kind="requested",
            subject_id=refund_id,
            amount_cents=row.amount_cents,
            account=destination(row.kind, row.user_id, row.payout_method, row.payout_account),
            now=now,
        )

    return await keys.run(deps.unit(), keyed, refund_id, act)


async def reject(
    deps: Deps,
    refund_id: str,
    *,
    reason: str,
    detail: str,
    actor: Actor,
    keyed: Keyed[None],
) -> Answer:
    """No refund: the requester is told, and gives the held money back on its side."""

    async def act(uow: UnitOfWork) -> None:
        row = await store.row_of(uow.conn, refund_id, lock=True)
        rules.reject(
            state=RequestedState(row.state),
            reason=reason,
            actor=actor.username,
            roles=actor.roles,
        )
        await _rejected(uow, row, reason, detail.strip(), actor.username)

    return await keys.run(deps.unit(), keyed, refund_id, act)


async def retry_payout(deps: Deps, refund_id: str, *, actor: Actor, keyed: Keyed[None]) -> Answer:
    async def act(uow: UnitOfWork) -> None:
        conn, now = uow.conn, uow.now()
        row = await store.row_of(conn, refund_id, lock=True)
        rules.retry_payout(state=RequestedState(row.state), roles=actor.roles)
        await store.update(conn, refund_id, now, state=RequestedState.PAYING.value)
        await payouts.owe(
            conn,
            payout_id=payout_id("requested", refund_id),
            kind="requested",
            subject_id=refund_id,
            amount_cents=row.amount_cents,
            account=destination(row.kind, row.user_id, row.payout_method, row.payout_account),
            now=now,
        )

    return await keys.run(deps.unit(), keyed, refund_id, act)


async def give_up(
    deps: Deps, refund_id: str, *, note: str, actor: Actor, keyed: Keyed[None]
) -> Answer:
    """A payout that cannot be made: the requester is told, and the day's caps get it back."""

    async def act(uow: UnitOfWork) -> None:
        conn, now = uow.conn, uow.now()
        row = await store.row_of(conn, refund_id, lock=True)
        rules.give_up(state=RequestedState(row.state), roles=actor.roles, note=note)
        if row.business_day is not None:
            totals = await store.lock_day(conn, row.business_day)
            await store.save_day(
                conn,
                rules.DayTotals(
                    totals.day,
                    totals.approved_cents - row.amount_cents,
                    totals.approved_count - 1,
                ),
            )
        await payouts.give_up(conn, payout_id("requested", refund_id), now)
        await _rejected(uow, row, "payout_failed", note.strip(), actor.username)

    return await keys.run(deps.unit(), keyed, refund_id, act)


async def set_policy(deps: Deps, policy: Policy, *, actor: Actor, keyed: Keyed[None]) -> Answer:
    """The daily window and caps, as an ops supervisor sets them."""
    rules.require_supervisor(actor.roles)
    policy.validate()

    async def act(uow: UnitOfWork) -> None:
        await store.set_policy(uow.conn, policy, actor.username, uow.now())

    return await keys.run(deps.unit(), keyed, "policy", act)


async def _rejected(
    uow: UnitOfWork, row: RequestedRefund, reason: str, detail: str, by: str
) -> None:
    conn, now = uow.conn, uow.now()
    await store.update(
        conn,
        row.refund_id,
        now,
        state=RequestedState.REJECTED.value,
        decided_by=row.decided_by or by,
        decided_at=row.decided_at or now,
        rejection=reason,
        detail=detail,
    )
    await uow.publish(
        REFUND_REJECTED,
        RefundRejected(
            request_id=row.request_id,
            refund_id=row.refund_id,
            requester=row.requester,
            kind=row.kind,
            user_id=row.user_id,
            amount_cents=row.amount_cents,
            reason=reason,  # checked against REJECTIONS
            detail=detail,
            rejected_by=by,
            rejected_at=now,
        ),
        ce_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"refund-rejected:{row.refund_id}")),
    )
    metrics.saga_finished("requested_refund", "rejected", (now - row.received_at).total_seconds())


async def payout_succeeded(uow: UnitOfWork, refund_id: str, reference: str) -> None:
    conn, now = uow.conn, uow.now()
    row = await store.row_of(conn, refund_id, lock=True)
    if row.state != RequestedState.PAYING:
        return
    await store.update(
        conn,
        refund_id,
        now,
        state=RequestedState.COMPLETED.value,
        payout_reference=reference,
        completed_at=now,
    )
    await uow.publish(
        REFUND_COMPLETED,
        RefundCompleted(
            request_id=row.request_id,
            refund_id=refund_id,
            requester=row.requester,
            kind=row.kind,
            user_id=row.user_id,
            amount_cents=row.amount_cents,
            approved_by=row.decided_by,
            payout_reference=reference,
            completed_at=now,
        ),
        # one outcome per refund, ever: a stable id lets consumers' inboxes drop a repeat
        ce_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"refund-completed:{refund_id}")),
    )
    if row.phone:
        await text_customer(
            uow,
            phone=row.phone,
            template_id=SMS_TEMPLATE[row.kind],
            params={"amount": yuan(row.amount_cents)},
            dedupe_key=f"requested-refund-{refund_id}-paid",
        )
    metrics.saga_finished("requested_refund", "completed", (now - row.received_at).total_seconds())


async def payout_gave_up(uow: UnitOfWork, refund_id: str, detail: str) -> None:
    row = await store.row_of(uow.conn, refund_id, lock=True)
    if row.state != RequestedState.PAYING:
        return
    await store.update(
        uow.conn, refund_id, uow.now(), state=RequestedState.PAYOUT_FAILED.value, detail=detail
    )
