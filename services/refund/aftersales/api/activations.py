"""Sellers' self-service after-sales activations (开通自主售后) and their review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from services.refund.aftersales.api.common import AftersalesContext, Cursor, Limit
from services.refund.aftersales.api.views import activation_out, return_address
from services.refund.aftersales.deps import Context
from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.errors import ActivationNotFound
from services.refund.aftersales.handlers import activations as handlers
from services.refund.aftersales.store import activations as store
from services.refund.aftersales.store import sellers as seller_store
from shared.api.aftersales import (
    ActivationDetail,
    ActivationEvent,
    ActivationIn,
    ActivationListOut,
    ActivationOut,
    ActivationReviewIn,
    ActivationStatus,
)
from shared.http import Actor, CurrentActor
from shared.paging import Position, decode_cursor, page_of

router = APIRouter(tags=["aftersales activations"])
SellerPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/activations", status_code=status.HTTP_201_CREATED, response_model=ActivationOut)
async def apply(body: ActivationIn, ctx: AftersalesContext, actor: CurrentActor) -> ActivationOut:
    """Apply (or, after a rejection, apply again) with a three-level return address."""
    row = await handlers.apply(ctx, body.seller_id, return_address(body.return_address), actor)
    return activation_out(row, actor)


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
    seller_id: SellerPath, body: ActivationReviewIn, ctx: AftersalesContext, actor: CurrentActor
) -> ActivationOut:
    """Approve, or reject with the reason the seller will read."""
    row = await handlers.review(ctx, seller_id, body.decision == "approve", body.reason, actor)
    return activation_out(row, actor)
