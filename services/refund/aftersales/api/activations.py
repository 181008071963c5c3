"""Sellers' self-service after-sales activations (开通自主售后) and their review."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Path, status
from fastapi.responses import Response

from services.refund.aftersales.api.common import AftersalesContext, Cursor, Limit
from services.refund.aftersales.api.views import activation_out, return_address
from services.refund.aftersales.deps import Context
from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.activation import Activation
from services.refund.aftersales.domain.errors import ActivationNotFound
from services.refund.aftersales.handlers import activations as handlers
from services.refund.aftersales.store import activations as store
from services.refund.aftersales.store import sellers as seller_store
from services.refund.api.common import answered
from services.refund.handlers.keys import Keyed
from shared.api.aftersales import (
    ActivationDetail,
    ActivationEvent,
    ActivationIn,
    ActivationListOut,
    ActivationOut,
    ActivationReviewIn,
    ActivationStatus,
)
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.idempotency import Command
from shared.paging import Position, decode_cursor, page_of

router = APIRouter(tags=["aftersales activations"])
SellerPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/activations", status_code=status.HTTP_201_CREATED, response_model=ActivationOut)
async def apply(
    body: ActivationIn, ctx: AftersalesContext, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """Apply (or, after a rejection, apply again) with a three-level return address.
    Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = Command("apply", body.seller_id, body.model_dump(mode="json"))
    keyed = _keyed(idempotency_key, command, actor, status.HTTP_201_CREATED)
    address = return_address(body.return_address)
    return answered(await handlers.apply(ctx, body.seller_id, address, actor, keyed))


def _keyed(key: str | None, command: Command, actor: Actor, status: int = 200) -> Keyed[Activation]:
    """The command answers with the application as it left it (kept under the key)."""

    async def render(_: asyncpg.Connection, row: Activation) -> ActivationOut:
        return activation_out(row, actor)

    return Keyed(key, command, render, status)


@router.get("/activations", response_model=ActivationListOut)
async def list_activations(
    ctx: AftersalesContext,
    actor: CurrentActor,
    status: ActivationStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ActivationListOut:
    """Applications, newest first (``status=pending_review`` is the review queue); a
    seller's staff see their own sellers' only."""
    permissions.require(
        actor.roles,
        permissions.ACTIVATION_REVIEWERS | permissions.SELLER_STAFF,
        "listing activations",
    )
    rows = await store.page(
        ctx.pool,
        status=status,
        sellers=await _sellers_of(ctx, actor),
        after=decode_cursor(cursor),
        limit=limit + 1,
    )
    page = page_of(rows, limit, lambda a: Position(a.submitted_at, a.seller_id))
    return ActivationListOut(
        items=[activation_out(r, actor, masked=True) for r in page.items],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


@router.get("/activations/{seller_id}", response_model=ActivationDetail)
async def get_activation(
    seller_id: SellerPath, ctx: AftersalesContext, actor: CurrentActor
) -> ActivationDetail:
    """A seller's application: its status, why it was rejected, and its history."""
    permissions.require(
        actor.roles,
        permissions.ACTIVATION_REVIEWERS | permissions.SELLER_STAFF,
        "reading an activation",
    )
    row = await store.get(ctx.pool, seller_id)
    visible = await _sellers_of(ctx, actor)
    if row is None or (visible is not None and seller_id not in visible):
        raise ActivationNotFound(f"seller {seller_id} has not applied for after-sales")
    history = await store.history(ctx.pool, seller_id)
    return ActivationDetail(
        **activation_out(row, actor).model_dump(),
        history=[
            ActivationEvent(
                action=h.action, actor=h.actor, status=h.status, reason=h.reason, at=h.at
            )
            for h in history
        ],
    )


async def _sellers_of(ctx: Context, actor: Actor) -> frozenset[str] | None:
    """The sellers whose applications the actor reads: the platform's reviewers all of them,
    a seller's staff their own sellers' (its return address and contact are its own)."""
    if permissions.ACTIVATION_REVIEWERS & actor.roles:
        return None
    return await seller_store.sellers_served_by(ctx.pool, actor.username)


@router.post("/activations/{seller_id}/review", response_model=ActivationOut)
async def review(
    seller_id: SellerPath,
    body: ActivationReviewIn,
    ctx: AftersalesContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Approve, or reject with the reason the seller will read. Accepts an Idempotency-Key."""
    command = Command("review_activation", seller_id, body.model_dump(mode="json"))
    keyed = _keyed(idempotency_key, command, actor)
    approve = body.decision == "approve"
    return answered(await handlers.review(ctx, seller_id, approve, body.reason, actor, keyed))
