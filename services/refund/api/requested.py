"""Refunds requested by other services, their approval by an ops supervisor, the daily
window and caps, and the payouts waiting for a person."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.refund.api.common import Limit, PhoneTail, RefundDeps, answered, page_out
from services.refund.api.views import attention_item, requested_detail, requested_refunds
from services.refund.deps import Deps
from services.refund.domain import periods
from services.refund.domain.requested import Policy, business_day
from services.refund.handlers import requested as handlers
from services.refund.handlers.keys import Keyed
from services.refund.store import payouts
from services.refund.store import requested as store
from shared.api.refund import (
    ApproveRequestedIn,
    AttentionPageOut,
    GiveUpIn,
    PolicyIn,
    PolicyOut,
    RejectRequestedIn,
    RequestedRefundOut,
    RequestedRefundPageOut,
    RequestedState,
)
from shared.db import Db
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.idempotency import Command
from shared.paging import decode_cursor

router = APIRouter(tags=["requested refunds"])


def _keyed(
    key: str | None, command: Command, refund_id: str, actor: Actor, deps: Deps
) -> Keyed[None]:
    """The command answers with the refund as it left it (kept under the key, if any)."""

    async def render(conn: asyncpg.Connection, _: None) -> RequestedRefundOut:
        return await requested_detail(conn, refund_id, actor, deps)

    return Keyed(key, command, render)


@router.get("/refunds/requested", response_model=RequestedRefundPageOut)
async def list_requested(
    deps: RefundDeps,
    actor: CurrentActor,
    state: Annotated[list[RequestedState] | None, Query(description="One or more")] = None,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    phone: PhoneTail = None,
    request_id: Annotated[str | None, Query(max_length=128)] = None,
    kind: Literal["deposit", "stored_value"] | None = None,
    received_from: Annotated[date | None, Query(description="First day (inclusive)")] = None,
    received_to: Annotated[date | None, Query(description="Last day (inclusive)")] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> RequestedRefundPageOut:
    """Requested refunds newest first, phones masked."""
    start, end = periods.dates_bounds(received_from, received_to, deps.settings.tz)
    search = store.RequestedSearch(tuple(state or ()), user_id, phone, request_id, kind, start, end)
    page = await store.page(deps.pool, search, after=decode_cursor(cursor), limit=limit)
    items = await requested_refunds(deps.pool, page.items, actor, deps)
    return page_out(RequestedRefundPageOut, page, items)


@router.get("/refunds/requested/{refund_id}", response_model=RequestedRefundOut)
async def get_requested(
    refund_id: str, deps: RefundDeps, actor: CurrentActor
) -> RequestedRefundOut:
    return await requested_detail(deps.pool, refund_id, actor, deps)


@router.post("/refunds/requested/{refund_id}/approve", response_model=RequestedRefundOut)
async def approve(
    refund_id: str,
    body: ApproveRequestedIn,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = Command(
        "approve", refund_id, {"amount_cents": body.amount_cents, "opinion": body.opinion}
    )
    answer = await handlers.approve(
        deps,
        refund_id,
        confirmed_cents=body.amount_cents,
        opinion=body.opinion,
        actor=actor,
        keyed=_keyed(idempotency_key, command, refund_id, actor, deps),
    )
    return answered(answer)


@router.post("/refunds/requested/{refund_id}/reject", response_model=RequestedRefundOut)
async def reject(
    refund_id: str,
    body: RejectRequestedIn,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = Command("reject", refund_id, {"reason": body.reason, "detail": body.detail})
    answer = await handlers.reject(
        deps,
        refund_id,
        reason=body.reason,
        detail=body.detail,
        actor=actor,
        keyed=_keyed(idempotency_key, command, refund_id, actor, deps),
    )
    return answered(answer)


@router.post("/refunds/requested/{refund_id}/payout-retry", response_model=RequestedRefundOut)
async def payout_retry(
    refund_id: str, deps: RefundDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = Command("payout_retry", refund_id)
    answer = await handlers.retry_payout(
        deps, refund_id, actor=actor, keyed=_keyed(idempotency_key, command, refund_id, actor, deps)
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
    command = Command("give_up", refund_id, {"note": body.note})
    answer = await handlers.give_up(
        deps,
        refund_id,
        note=body.note,
        actor=actor,
        keyed=_keyed(idempotency_key, command, refund_id, actor, deps),
    )
    return answered(answer)


async def _policy(db: Db, deps: Deps) -> PolicyOut:
    stored = await store.policy(db)
    policy = stored.policy
    today = business_day(deps.now(), deps.settings.tz)
    totals = await store.day_totals(db, today)
    return PolicyOut(
        window_start=policy.window_start,
        window_end=policy.window_end,
        daily_amount_cap_cents=policy.daily_amount_cap_cents,
        daily_count_cap=policy.daily_count_cap,
        updated_by=stored.updated_by,
        updated_at=stored.updated_at,
        today=today,
        approved_today_cents=totals.approved_cents,
        approved_today_count=totals.approved_count,
    )


@router.get("/refunds/policy", response_model=PolicyOut)
async def get_policy(deps: RefundDeps, actor: CurrentActor) -> PolicyOut:
    return await _policy(deps.pool, deps)


@router.put("/refunds/policy", response_model=PolicyOut)
async def put_policy(
    body: PolicyIn, deps: RefundDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""

    async def render(conn: asyncpg.Connection, _: None) -> PolicyOut:
        return await _policy(conn, deps)

    command = Command("set_policy", "policy", body.model_dump(mode="json"))
    keyed = Keyed(idempotency_key, command, render)
    policy = Policy(**body.model_dump())
    return answered(await handlers.set_policy(deps, policy, actor=actor, keyed=keyed))


@router.get("/refunds/payouts/attention", response_model=AttentionPageOut)
async def payouts_needing_attention(
    deps: RefundDeps,
    actor: CurrentActor,
    kind: Annotated[
        Literal["form", "requested"] | None, Query(description="Forms or requested refunds")
    ] = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> AttentionPageOut:
    """Payouts whose retries ran out, oldest first: a person retries them (or gives a
    requested one up, which takes it off this list)."""
    page = await payouts.needing_attention(
        deps.pool, kind=kind, after=decode_cursor(cursor), limit=limit
    )
    items = [attention_item(r, actor) for r in page.items]
    return page_out(AttentionPageOut, page, items)
