"""Service tickets (服务单): open, list, review (one or a batch), receive, process, images."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from services.refund.aftersales.api.common import AftersalesContext, Cursor, Limit
from services.refund.aftersales.api.views import (
    image_out,
    new_ticket,
    processing_result,
    review_of,
    ticket_out,
    upload,
)
from services.refund.aftersales.deps import Context
from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.errors import ImageNotFound, TicketNotFound
from services.refund.aftersales.domain.images import ImageKind
from services.refund.aftersales.domain.stored import OverdueTicket, StoredTicket, TicketImage
from services.refund.aftersales.domain.ticket_query import TicketQuery, opening_days
from services.refund.aftersales.domain.tickets import ReviewOutcome, TicketStatus
from services.refund.aftersales.handlers import sellers
from services.refund.aftersales.handlers import tickets as handlers
from services.refund.aftersales.handlers.tickets import BatchResult
from services.refund.aftersales.store import tickets as store
from services.refund.api.common import answered, fields_of
from services.refund.handlers.keys import Keyed
from shared.api.aftersales import (
    BatchItemOut,
    BatchReviewIn,
    BatchReviewOut,
    ImageDataOut,
    ImageListOut,
    ImagesIn,
    OverdueListOut,
    OverdueTicketOut,
    ProcessIn,
    ReviewIn,
    Stage,
    TicketDetailOut,
    TicketEventOut,
    TicketIn,
    TicketOut,
    TicketPageOut,
)
from shared.db import Db
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.idempotency import Command
from shared.paging import (
    Position,
    decode_serial_cursor,
    decode_serial_position,
    page_of,
    whole_list,
)

router = APIRouter(tags=["aftersales tickets"])


def _may_read(actor: Actor) -> None:
    permissions.require(actor.roles, permissions.TICKET_READERS, "reading service tickets")


async def _out(db: Db, actor: Actor, stored: Sequence[StoredTicket]) -> list[TicketOut]:
    """The tickets with the buttons each shows this actor (the rule its command checks)."""
    actions = await sellers.actions_for(db, actor, [s.ticket for s in stored])
    return [ticket_out(s, actions[s.ticket.id]) for s in stored]


async def _one(db: Db, actor: Actor, stored: StoredTicket) -> TicketOut:
    return (await _out(db, actor, [stored]))[0]


def _keyed(
    key: str | None, command: Command, actor: Actor, status: int = 200
) -> Keyed[StoredTicket]:
    """The command answers with the ticket as it left it (kept under the key, if any)."""

    async def render(conn: asyncpg.Connection, stored: StoredTicket) -> TicketOut:
        return await _one(conn, actor, stored)

    return Keyed(key, command, render, status)


def _position(stored: StoredTicket) -> Position:
    return Position(stored.ticket.created_at, str(stored.ticket.id))


def _late_position(late: OverdueTicket) -> Position:
    return _position(late.stored)


async def _readable(ctx: Context, actor: Actor, ticket_id: int) -> StoredTicket:
    """The ticket, if the actor may read it: a seller's staff read their sellers' only."""
    _may_read(actor)
    found = await store.get(ctx.pool, ticket_id)
    if found is None:
        raise TicketNotFound(f"no service ticket {ticket_id}")
    await sellers.check_reads(ctx.pool, actor, found.ticket.seller_id, ticket_id)
    return found


@router.post("/tickets", status_code=status.HTTP_201_CREATED, response_model=TicketOut)
async def open_ticket(
    body: TicketIn, ctx: AftersalesContext, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """Open a ticket for a customer (the seller's after-sales must be active). It waits for
    review; unreviewed for 48 hours, the system approves it. Accepts an Idempotency-Key: a
    repeat answers as the first did (the same ticket)."""
    uploads = [upload(i) for i in body.images]
    command = Command("open_ticket", body.seller_id, body.model_dump(mode="json"))
    keyed = _keyed(idempotency_key, command, actor, status.HTTP_201_CREATED)
    return answered(await handlers.open_ticket(ctx, new_ticket(body), uploads, actor, keyed))


@router.get("/tickets", response_model=TicketPageOut)
async def list_tickets(
    ctx: AftersalesContext,
    actor: CurrentActor,
    seller_id: str | None = None,
    status: TicketStatus | None = None,
    application_no: str | None = None,
    order_no: Annotated[str | None, Query(description="The customer's order number")] = None,
    customer_id: str | None = None,
    outcome: Annotated[ReviewOutcome | None, Query(description="The review's outcome")] = None,
    created_from: Annotated[
        date | None, Query(description="First opening day, YYYY-MM-DD (business time zone)")
    ] = None,
    created_to: Annotated[date | None, Query(description="Last opening day, included")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TicketPageOut:
    """Tickets matching every filter given, newest first. A seller's reviewers and
    processors see the tickets of the sellers they serve only."""
    _may_read(actor)
    opened_from, opened_before = opening_days(created_from, created_to, ctx.settings.tz)
    query = TicketQuery(
        sellers=await sellers.visible_sellers(ctx.pool, actor),
        seller_id=seller_id,
        status=status,
        application_no=application_no,
        order_no=order_no,
        customer_id=customer_id,
        outcome=outcome,
        opened_from=opened_from,
        opened_before=opened_before,
    )
    rows = await store.page(
        ctx.pool, query, before_id=decode_serial_cursor(cursor), limit=limit + 1
    )
    page = page_of(rows, limit, _position)
    return TicketPageOut(
        items=await _out(ctx.pool, actor, page.items),
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


@router.get("/tickets/overdue", response_model=OverdueListOut)
async def overdue(
    ctx: AftersalesContext,
    actor: CurrentActor,
    stage: Annotated[Stage | None, Query(description="Only tickets late in this stage")] = None,
    seller_id: str | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> OverdueListOut:
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
        sellers=await sellers.visible_sellers(ctx.pool, actor),
        after=decode_serial_position(cursor),
        limit=limit + 1,
    )
    page = page_of(rows, limit, _late_position)
    shown = await _out(ctx.pool, actor, [late.stored for late in page.items])
    return OverdueListOut(
        items=[
            OverdueTicketOut(
                **out.model_dump(), overdue_stage=late.stage.value, reminded_at=late.reminded_at
            )
            for late, out in zip(page.items, shown, strict=True)
        ],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


@router.post("/tickets/review-batch", response_model=BatchReviewOut)
async def review_batch(
    body: BatchReviewIn,
    ctx: AftersalesContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """One outcome for many tickets, with a result per ticket: those that cannot take it
    are reported, the others are reviewed. Accepts an Idempotency-Key: a repeat answers
    as the first did."""

    async def render(_: asyncpg.Connection, results: list[BatchResult]) -> BatchReviewOut:
        return _batch_out(results)

    command = Command("review_batch", "tickets", body.model_dump(mode="json"))
    answer = await handlers.review_batch(
        ctx,
        body.ticket_ids,
        review_of(body.outcome, body.reason),
        actor,
        Keyed(idempotency_key, command, render),
    )
    return answered(answer)


def _batch_out(results: list[BatchResult]) -> BatchReviewOut:
    items = [
        BatchItemOut(
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


@router.get("/tickets/{ticket_id}", response_model=TicketDetailOut)
async def get_ticket(
    ticket_id: int, ctx: AftersalesContext, actor: CurrentActor
) -> TicketDetailOut:
    """A ticket with its history (who did what; the system's approval marked as such)."""
    found = await _readable(ctx, actor, ticket_id)
    history = await store.history(ctx.pool, ticket_id)
    images = await store.images(ctx.pool, ticket_id)
    return TicketDetailOut(
        **(await _one(ctx.pool, actor, found)).model_dump(),
        history=[TicketEventOut.model_validate(fields_of(h)) for h in history],
        images=[image_out(i) for i in images],
    )


@router.post("/tickets/{ticket_id}/review", response_model=TicketOut)
async def review(
    ticket_id: int,
    body: ReviewIn,
    ctx: AftersalesContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """One of the five outcomes (aftersales_reviewer), with up to 3 images of the review's
    own (the customer's images do not count against them). Accepts an Idempotency-Key."""
    uploads = [upload(i) for i in body.images]
    decision = review_of(body.outcome, body.reason)
    command = Command("review", str(ticket_id), body.model_dump(mode="json"))
    keyed = _keyed(idempotency_key, command, actor)
    return answered(await handlers.review(ctx, ticket_id, decision, uploads, actor, keyed))


@router.post("/tickets/{ticket_id}/receive", response_model=TicketOut)
async def receive(
    ticket_id: int, ctx: AftersalesContext, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """The customer's return arrived (aftersales_processor). Accepts an Idempotency-Key."""
    keyed = _keyed(idempotency_key, Command("receive", str(ticket_id)), actor)
    return answered(await handlers.receive(ctx, ticket_id, actor, keyed))


@router.post("/tickets/{ticket_id}/process", response_model=TicketOut)
async def process(
    ticket_id: int,
    body: ProcessIn,
    ctx: AftersalesContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """What was done with it (aftersales_processor): the ticket is completed. Accepts an
    Idempotency-Key."""
    result = processing_result(body.result)
    command = Command("process", str(ticket_id), {"result": body.result})
    keyed = _keyed(idempotency_key, command, actor)
    return answered(await handlers.process(ctx, ticket_id, result, actor, keyed))


@router.post(
    "/tickets/{ticket_id}/images", status_code=status.HTTP_201_CREATED, response_model=ImageListOut
)
async def add_images(
    ticket_id: int,
    body: ImagesIn,
    ctx: AftersalesContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Add images of one kind: the customer's (agents, duty leads) or the review's
    (reviewers; the default for them). At most 3 of each kind, each under 800 KB (422 /
    413 otherwise). Accepts an Idempotency-Key: a repeat adds nothing again."""
    asked = ImageKind(body.kind) if body.kind else None
    kind = handlers.image_kind_of(actor, asked)

    async def render(_: asyncpg.Connection, added: list[TicketImage]) -> ImageListOut:
        return ImageListOut(items=[image_out(i) for i in added], **whole_list(len(added)))

    command = Command("add_images", str(ticket_id), body.model_dump(mode="json"))
    keyed = Keyed(idempotency_key, command, render, status.HTTP_201_CREATED)
    uploads = [upload(i) for i in body.images]
    return answered(await handlers.add_images(ctx, ticket_id, kind, uploads, actor, keyed))


@router.get("/tickets/{ticket_id}/images", response_model=ImageListOut)
async def list_images(ticket_id: int, ctx: AftersalesContext, actor: CurrentActor) -> ImageListOut:
    await _readable(ctx, actor, ticket_id)
    images = await store.images(ctx.pool, ticket_id)
    return ImageListOut(items=[image_out(i) for i in images], **whole_list(len(images)))


@router.get("/tickets/{ticket_id}/images/{image_id}", response_model=ImageDataOut)
async def get_image(
    ticket_id: int, image_id: int, ctx: AftersalesContext, actor: CurrentActor
) -> ImageDataOut:
    """One image with its bytes (base64)."""
    await _readable(ctx, actor, ticket_id)
    found = await store.image(ctx.pool, ticket_id, image_id)
    if found is None:
        raise ImageNotFound(f"ticket {ticket_id} has no image {image_id}")
    image, data = found
    return ImageDataOut(
        **image_out(image).model_dump(), data_base64=base64.b64encode(data).decode()
    )
