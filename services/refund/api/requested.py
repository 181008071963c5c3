"""Refunds requested by other services, their approval by an ops supervisor, the daily
window and caps, and the payouts waiting for a person."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.refund.api.common import RefundDeps, answered
from services.refund.api.views import requested_detail, requested_refund
from services.refund.domain.requested import Policy, business_day
from services.refund.handlers import keys
from services.refund.handlers import requested as handlers
from services.refund.handlers.keys import Keyed
from services.refund.store import payouts
from services.refund.store import requested as store
from shared.api.refund import (
    ApproveRequestedIn,
    AttentionOut,
    GiveUpIn,
    PolicyIn,
    PolicyOut,
    RejectRequestedIn,
    RequestedRefundOut,
)
from shared.http import CurrentActor, IdempotencyKey

router = APIRouter(tags=["requested refunds"])


def _keyed(key: str | None, command: str, refund_id: str) -> Keyed:
    """The command answers with the refund as it left it (kept under the key, if any)."""

    async def render(conn: asyncpg.Connection) -> Any:
        return (await requested_detail(conn, refund_id)).model_dump(mode="json")

    return Keyed(key, command, render)


@router.get("/refunds/requested", response_model=list[RequestedRefundOut])
async def list_requested(
    deps: RefundDeps,
    _actor: CurrentActor,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RequestedRefundOut]:
    return [requested_refund(r) for r in await store.page(deps.pool, state=state, limit=limit)]


@router.get("/refunds/requested/{refund_id}", response_model=RequestedRefundOut)
async def get_requested(
    refund_id: str, deps: RefundDeps, _actor: CurrentActor
) -> RequestedRefundOut:
    return await requested_detail(deps.pool, refund_id)


@router.post("/refunds/requested/{refund_id}/approve", response_model=RequestedRefundOut)
async def approve(
    refund_id: str,
    body: ApproveRequestedIn,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = keys.command(
        "approve", refund_id, str(body.amount_cents), actor.username, text=body.opinion
    )
    answer = await handlers.approve(
        deps,
        refund_id,
        confirmed_cents=body.amount_cents,
        opinion=body.opinion,
        actor=actor,
        keyed=_keyed(idempotency_key, command, refund_id),
    )
    return answered(answer)


@router.post("/refunds/requested/{refund_id}/reject", response_model=RequestedRefundOut)
async def reject(
    refund_id: str, body: RejectRequestedIn, deps: RefundDeps, actor: CurrentActor
) -> RequestedRefundOut:
    await handlers.reject(deps, refund_id, reason=body.reason, detail=body.detail, actor=actor)
    return await requested_detail(deps.pool, refund_id)


@router.post("/refunds/requested/{refund_id}/payout-retry", response_model=RequestedRefundOut)
async def payout_retry(
    refund_id: str, deps: RefundDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = keys.command("payout_retry", refund_id, actor.username)
    answer = await handlers.retry_payout(
        deps, refund_id, actor=actor, keyed=_keyed(idempotency_key, command, refund_id)
    )
    return answered(answer)


@router.post("/refunds/requested/{refund_id}/give-up", response_model=RequestedRefundOut)
async def give_up(
    refund_id: str,
    body: GiveUpIn,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = keys.command("give_up", refund_id, actor.username, text=body.note)
    answer = await handlers.give_up(
        deps,
        refund_id,
        note=body.note,
        actor=actor,
        keyed=_keyed(idempotency_key, command, refund_id),
    )
    return answered(answer)


async def _policy(deps: RefundDeps) -> PolicyOut:
    row = await store.policy(deps.pool)
    today = business_day(deps.now(), deps.settings.tz)
    totals = await store.day_totals(deps.pool, today)
    return PolicyOut(
        window_start=row["window_start"],
        window_end=row["window_end"],
        daily_amount_cap_cents=row["daily_amount_cap_cents"],
        daily_count_cap=row["daily_count_cap"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        today=today,
        approved_today_cents=totals.approved_cents,
        approved_today_count=totals.approved_count,
    )


@router.get("/refunds/policy", response_model=PolicyOut)
async def get_policy(deps: RefundDeps, _actor: CurrentActor) -> PolicyOut:
    return await _policy(deps)


@router.put("/refunds/policy", response_model=PolicyOut)
async def put_policy(body: PolicyIn, deps: RefundDeps, actor: CurrentActor) -> PolicyOut:
    await handlers.set_policy(deps, Policy(**body.model_dump()), actor=actor)
    return await _policy(deps)


@router.get("/refunds/payouts/attention", response_model=list[AttentionOut])
async def payouts_needing_attention(deps: RefundDeps, _actor: CurrentActor) -> list[AttentionOut]:
    """Payouts whose retries ran out: a person retries them (or gives a requested one up)."""
    return [
        AttentionOut.model_validate(dict(r)) for r in await payouts.needing_attention(deps.pool)
    ]
