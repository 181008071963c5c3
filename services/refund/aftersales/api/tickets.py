"""Service tickets (服务单): open, list, review (one or a batch), receive, process, images."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from services.refund.aftersales.api.common import AftersalesContext, BeforeId, Limit
from services.refund.aftersales.api.models import (
    BatchItem,
    BatchReviewIn,
    BatchReviewOut,
    ImageData,
    ImageList,
    ImageOut,
    ImagesIn,
    OverdueList,
    OverdueTicket,
    ProcessIn,
    ReviewIn,
    TicketDetail,
    TicketEvent,
    TicketIn,
    TicketOut,
    TicketPage,
)
from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.errors import ImageNotFound, TicketNotFound
from services.refund.aftersales.domain.tickets import Review, TicketStatus
from services.refund.aftersales.handlers import tickets as handlers
from services.refund.aftersales.store import tickets as store
from shared.http import Actor, CurrentActor

router = APIRouter(tags=["aftersales tickets"])
Stage = Literal["review", "receipt", "processing"]


def _may_read(actor: Actor) -> None:
    permissions.require(actor.roles, permissions.TICKET_READERS, "reading service tickets")


@router.post("/tickets", status_code=status.HTTP_201_CREATED, response_model=TicketOut)
async def open_ticket(body: TicketIn, ctx: AftersalesContext, actor: CurrentActor) -> TicketOut:
    """Open a ticket for a customer (the seller's after-sales must be active). It waits for
    review; unreviewed for 48 hours, the system approves it."""
    uploads = [i.upload() for i in body.images]
    return TicketOut.of(await handlers.open_ticket(ctx, body.ticket(), uploads, actor))


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(
    ctx: AftersalesContext,
    actor: CurrentActor,
    seller_id: str | None = None,
    status: TicketStatus | None = None,
    application_no: str | None = None,
    limit: Limit = 50,
    before_id: BeforeId = None,
) -> TicketPage:
    """Tickets, newest first."""
    _may_read(actor)
    rows = await store.page(
        ctx.pool,
        seller_id=seller_id,
        status=status.value if status else None,
        application_no=application_no,
        before_id=before_id,
        limit=limit,
    )
    full = len(rows) == limit
    return TicketPage(
        items=[TicketOut.of(r) for r in rows], next_before_id=rows[-1]["id"] if full else None
    )


@router.get("/tickets/overdue", response_model=OverdueList)
async def overdue(
    ctx: AftersalesContext,
    actor: CurrentActor,
    stage: Annotated[Stage | None, Query(description="Only tickets late in this stage")] = None,
    seller_id: str | None = None,
    limit: Limit = 100,
) -> OverdueList:
    """Tickets overdue for review, receipt or processing (超时待审核、待收货、待处理),
    longest waiting first."""
    _may_read(actor)
    now = ctx.now()
    rows = await store.overdue(
        ctx.pool,
        now,
        now - ctx.limits.remind_review_after,
        stage=stage,
        seller_id=seller_id,
        limit=limit,
    )
    return OverdueList(
        items=[
            OverdueTicket(
                **TicketOut.of(r).model_dump(),
                overdue_stage=r["stage"],
                reminded_at=r["reminded_at"],
            )
            for r in rows
        ]
    )


@router.post("/tickets/review-batch", response_model=BatchReviewOut)
async def review_batch(
    body: BatchReviewIn, ctx: AftersalesContext, actor: CurrentActor
) -> BatchReviewOut:
    """One outcome for many tickets, with a result per ticket: those that cannot take it
    are reported, the others are reviewed."""
    results = await handlers.review_batch(
        ctx, body.ticket_ids, Review(body.outcome, body.reason), actor
    )
    items = [
        BatchItem(
            ticket_id=r.ticket_id,
            ok=r.ok,
            status=TicketStatus(r.status) if r.status else None,
            code=r.code,
            message=r.message,
        )
        for r in results
    ]
    reviewed = sum(1 for r in results if r.ok)
    return BatchReviewOut(reviewed=reviewed, refused=len(results) - reviewed, results=items)


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
async def get_ticket(ticket_id: int, ctx: AftersalesContext, actor: CurrentActor) -> TicketDetail:
    """A ticket with its history (who did what; the system's approval marked as such)."""
    _may_read(actor)
    row = await store.get(ctx.pool, ticket_id)
    if row is None:
        raise TicketNotFound(f"no service ticket {ticket_id}")
    history = await store.history(ctx.pool, ticket_id)
    images = await store.images(ctx.pool, ticket_id)
    return TicketDetail(
        **TicketOut.of(row).model_dump(),
        history=[
            TicketEvent(
                action=h["action"],
                actor=h["actor"],
                actor_kind=h["actor_kind"],
                from_status=h["from_status"],
                to_status=h["to_status"],
                outcome=h["outcome"],
                reason=h["reason"],
                at=h["at"],
            )
            for h in history
        ],
        images=[ImageOut.of(i) for i in images],
    )


@router.post("/tickets/{ticket_id}/review", response_model=TicketOut)
async def review(
    ticket_id: int, body: ReviewIn, ctx: AftersalesContext, actor: CurrentActor
) -> TicketOut:
    """One of the five outcomes (aftersales_reviewer), with up to 3 images."""
    uploads = [i.upload() for i in body.images]
    return TicketOut.of(await handlers.review(ctx, ticket_id, body.review(), uploads, actor))


@router.post("/tickets/{ticket_id}/receive", response_model=TicketOut)
async def receive(ticket_id: int, ctx: AftersalesContext, actor: CurrentActor) -> TicketOut:
    """The customer's return arrived (aftersales_processor)."""
    return TicketOut.of(await handlers.receive(ctx, ticket_id, actor))


@router.post("/tickets/{ticket_id}/process", response_model=TicketOut)
async def process(
    ticket_id: int, body: ProcessIn, ctx: AftersalesContext, actor: CurrentActor
) -> TicketOut:
    """What was done with it (aftersales_processor): the ticket is completed."""
    return TicketOut.of(await handlers.process(ctx, ticket_id, body.result, actor))


@router.post(
    "/tickets/{ticket_id}/images", status_code=status.HTTP_201_CREATED, response_model=ImageList
)
async def add_images(
    ticket_id: int, body: ImagesIn, ctx: AftersalesContext, actor: CurrentActor
) -> ImageList:
    """Add images: a ticket holds at most 3, each under 800 KB (422 / 413 otherwise)."""
    rows = await handlers.add_images(ctx, ticket_id, [i.upload() for i in body.images], actor)
    return ImageList(items=[ImageOut.of(r) for r in rows])


@router.get("/tickets/{ticket_id}/images", response_model=ImageList)
async def list_images(ticket_id: int, ctx: AftersalesContext, actor: CurrentActor) -> ImageList:
    _may_read(actor)
    return ImageList(items=[ImageOut.of(r) for r in await store.images(ctx.pool, ticket_id)])


@router.get("/tickets/{ticket_id}/images/{image_id}", response_model=ImageData)
async def get_image(
    ticket_id: int, image_id: int, ctx: AftersalesContext, actor: CurrentActor
) -> ImageData:
    """One image with its bytes (base64)."""
    _may_read(actor)
    row = await store.image(ctx.pool, ticket_id, image_id)
    if row is None:
        raise ImageNotFound(f"ticket {ticket_id} has no image {image_id}")
    return ImageData(
        **ImageOut.of(row).model_dump(), data_base64=base64.b64encode(row["data"]).decode()
    )
