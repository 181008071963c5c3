"""Refunds requested by other services, their approval by an ops supervisor, the daily
window and caps, and the payouts waiting for a person."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.refund.api.common import RefundDeps
from services.refund.api.views import AttentionItem, PayoutOut, PolicyOut, RequestedRefundOut
from services.refund.domain.requested import Policy, business_day
from services.refund.handlers import requested as handlers
from services.refund.store import payouts
from services.refund.store import requested as store
from shared.http import CurrentActor

router = APIRouter(tags=["requested refunds"])


class ApproveIn(BaseModel):
    amount_cents: Annotated[int, Field(gt=0)]
    """Must equal the amount requested (409 amount_mismatch otherwise)."""
    opinion: Annotated[str, Field(max_length=1000)] = ""


class RejectIn(BaseModel):
    reason: Literal[
        "rejected_by_supervisor", "outside_daily_window", "daily_amount_cap", "daily_count_cap"
    ] = "rejected_by_supervisor"
    detail: Annotated[str, Field(max_length=1000)] = ""


class GiveUpIn(BaseModel):
    note: Annotated[str, Field(min_length=1, max_length=1000)]


class PolicyIn(BaseModel):
    window_start: time
    window_end: time
    """Approvals only from ``window_start`` until before ``window_end``, business time zone."""
    daily_amount_cap_cents: Annotated[int, Field(ge=0)]
    daily_count_cap: Annotated[int, Field(ge=0)]


async def _detail(deps: RefundDeps, refund_id: str) -> RequestedRefundOut:
    row = await store.row_of(deps.pool, refund_id)
    out = RequestedRefundOut.of(row, masked=False)
    payout = await payouts.of_subject(deps.pool, "requested", refund_id)
    out.payout = PayoutOut.model_validate(dict(payout)) if payout else None
    return out


@router.get("/refunds/requested", response_model=list[RequestedRefundOut])
async def list_requested(
    deps: RefundDeps,
    _actor: CurrentActor,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RequestedRefundOut]:
    return [RequestedRefundOut.of(r) for r in await store.page(deps.pool, state=state, limit=limit)]


@router.get("/refunds/requested/{refund_id}", response_model=RequestedRefundOut)
async def get_requested(
    refund_id: str, deps: RefundDeps, _actor: CurrentActor
) -> RequestedRefundOut:
    return await _detail(deps, refund_id)


@router.post("/refunds/requested/{refund_id}/approve", response_model=RequestedRefundOut)
async def approve(
    refund_id: str, body: ApproveIn, deps: RefundDeps, actor: CurrentActor
) -> RequestedRefundOut:
    await handlers.approve(
        deps, refund_id, confirmed_cents=body.amount_cents, opinion=body.opinion, actor=actor
    )
    return await _detail(deps, refund_id)


@router.post("/refunds/requested/{refund_id}/reject", response_model=RequestedRefundOut)
async def reject(
    refund_id: str, body: RejectIn, deps: RefundDeps, actor: CurrentActor
) -> RequestedRefundOut:
    await handlers.reject(deps, refund_id, reason=body.reason, detail=body.detail, actor=actor)
    return await _detail(deps, refund_id)


@router.post("/refunds/requested/{refund_id}/payout-retry", response_model=RequestedRefundOut)
async def payout_retry(refund_id: str, deps: RefundDeps, actor: CurrentActor) -> RequestedRefundOut:
    await handlers.retry_payout(deps, refund_id, actor=actor)
    return await _detail(deps, refund_id)


@router.post("/refunds/requested/{refund_id}/give-up", response_model=RequestedRefundOut)
async def give_up(
    refund_id: str, body: GiveUpIn, deps: RefundDeps, actor: CurrentActor
) -> RequestedRefundOut:
    await handlers.give_up(deps, refund_id, note=body.note, actor=actor)
    return await _detail(deps, refund_id)


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


@router.get("/refunds/payouts/attention", response_model=list[AttentionItem])
async def payouts_needing_attention(deps: RefundDeps, _actor: CurrentActor) -> list[AttentionItem]:
    """Payouts whose retries ran out: a person retries them (or gives a requested one up)."""
    return [
        AttentionItem.model_validate(dict(r)) for r in await payouts.needing_attention(deps.pool)
    ]
