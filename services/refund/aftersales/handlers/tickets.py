"""Service tickets: open, review (one or a batch), receive, process, add images."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.refund.aftersales.deps import Context
from services.refund.aftersales.domain import images as image_rules
from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain import tickets as rules
from services.refund.aftersales.domain.errors import (
    BatchNotAllowed,
    SellerNotActivated,
    TicketNotFound,
)
from services.refund.aftersales.domain.images import ImageKind, Upload
from services.refund.aftersales.domain.sellers import Permission
from services.refund.aftersales.domain.stored import StoredTicket, TicketImage
from services.refund.aftersales.domain.tickets import (
    NewTicket,
    ProcessingResult,
    Review,
    Ticket,
    TicketAction,
)
from services.refund.aftersales.handlers import sellers
from services.refund.aftersales.store import activations
from services.refund.aftersales.store import tickets as store
from services.refund.handlers import keys
from services.refund.handlers.keys import Keyed
from shared import metrics
from shared.errors import DomainError
from shared.http import Actor
from shared.idempotency import Answer
from shared.unit_of_work import UnitOfWork

MAX_BATCH = 100


async def open_ticket(
    ctx: Context, new: NewTicket, uploads: list[Upload], actor: Actor, keyed: Keyed[StoredTicket]
) -> Answer:
    permissions.require(actor.roles, permissions.TICKET_OPENERS, "opening a service ticket")
    checked = rules.check_new(new)
    images = image_rules.decode_all(ImageKind.CUSTOMER, 0, uploads)

    async def act(uow: UnitOfWork) -> StoredTicket:
        conn, now = uow.conn, uow.now()
        if await activations.status_of(conn, checked.seller_id) != "approved":
            raise SellerNotActivated(
                f"seller {checked.seller_id} has no approved self-service after-sales"
            )
        opened = await store.insert(
            conn, checked, actor.username, now, rules.review_due(now, ctx.limits)
        )
        ticket = opened.ticket
        await store.record(
            conn,
            ticket.id,
            "opened",
            actor.username,
            at=now,
            from_status=None,
            to_status=ticket.status.value,
        )
        if images:
            await store.add_images(conn, ticket.id, ImageKind.CUSTOMER, images, actor.username, now)
        return opened

    return await keys.run(ctx.unit(), keyed, checked.seller_id, act)


async def _change(
    uow: UnitOfWork,
    ticket_id: int,
    action: str,
    actor: Actor,
    command: TicketAction,
    change: Callable[[Ticket], Ticket],
) -> StoredTicket:
    conn, now = uow.conn, uow.now()
    found = await store.get(conn, ticket_id, lock=True)
    if found is None:
        raise TicketNotFound(f"no service ticket {ticket_id}")
    before = found.ticket
    await sellers.check_reads(conn, actor, before.seller_id, ticket_id)
    await sellers.check_command(conn, actor, command, before)
    after = change(before)
    saved = await store.save(conn, after, now)
    await store.record(
        conn,
        ticket_id,
        action,
        actor.username,
        at=now,
        from_status=before.status.value,
        to_status=after.status.value,
        outcome=_outcome(action, after),
        reason=after.review_reason if action == "reviewed" else None,
    )
    return saved


def _outcome(action: str, t: Ticket) -> str | None:
    """What the history row records as the result: the review's or the processing's."""
    if action == "reviewed" and t.outcome is not None:
        return t.outcome.value
    if action == "processed" and t.processing_result is not None:
        return t.processing_result.value
    return None


async def review(
    ctx: Context,
    ticket_id: int,
    decision: Review,
    uploads: list[Upload],
    actor: Actor,
    keyed: Keyed[StoredTicket],
) -> Answer:
    permissions.require(actor.roles, frozenset({permissions.REVIEWER}), "reviewing a ticket")

    async def act(uow: UnitOfWork) -> StoredTicket:
        saved = await _review_one(ctx, uow, ticket_id, decision, actor)
        if uploads:
            await _add_images(uow, ticket_id, ImageKind.REVIEW, uploads, actor)
        metrics.operation_finished("aftersales_review", decision.outcome.value)
        return saved

    return await keys.run(ctx.unit(), keyed, str(ticket_id), act)


@dataclass(frozen=True)
class BatchResult:
    ticket_id: int
    ok: bool
    status: str | None = None
    code: str | None = None
    message: str | None = None


async def review_batch(
    ctx: Context,
    ticket_ids: list[int],
    decision: Review,
    actor: Actor,
    keyed: Keyed[list[BatchResult]],
) -> Answer:
    """One outcome for many tickets, each in a savepoint of its own: a ticket that cannot
    take it (reviewed already, not found) is reported and the others go ahead. The batch
    and its key commit together: a repeat answers with the first batch's results."""
    permissions.require(actor.roles, frozenset({permissions.REVIEWER}), "reviewing tickets")
    ids = list(dict.fromkeys(ticket_ids))
    if not 1 <= len(ids) <= MAX_BATCH:
        raise BatchNotAllowed(f"a batch holds 1 to {MAX_BATCH} tickets")
    rules.check_batch(decision.outcome, await store.get_many(ctx.pool, ids))
    rules.check_reason(decision)

    async def act(uow: UnitOfWork) -> list[BatchResult]:
        results: list[BatchResult] = []
        for ticket_id in ids:
            try:
                async with uow.conn.transaction():
                    reviewed = await _review_one(ctx, uow, ticket_id, decision, actor)
                results.append(BatchResult(ticket_id, True, status=reviewed.ticket.status.value))
                metrics.operation_finished("aftersales_review", decision.outcome.value)
            except DomainError as exc:
                results.append(BatchResult(ticket_id, False, code=exc.code, message=exc.message))
        return results

    return await keys.run(ctx.unit(), keyed, ",".join(map(str, ids)), act)


async def _review_one(
    ctx: Context, uow: UnitOfWork, ticket_id: int, decision: Review, actor: Actor
) -> StoredTicket:
    now = uow.now()

    def decide(ticket: Ticket) -> Ticket:
        return rules.decide(ticket, decision, actor.username, now, ctx.limits)

    return await _change(uow, ticket_id, "reviewed", actor, TicketAction.REVIEW, decide)


async def receive(ctx: Context, ticket_id: int, actor: Actor, keyed: Keyed[StoredTicket]) -> Answer:
    permissions.require(
        actor.roles, frozenset({permissions.PROCESSOR}), "receiving a returned item"
    )

    async def act(uow: UnitOfWork) -> StoredTicket:
        return await _change(
            uow,
            ticket_id,
            "received",
            actor,
            TicketAction.RECEIVE,
            lambda t: rules.receive(t, uow.now(), ctx.limits),
        )

    return await keys.run(ctx.unit(), keyed, str(ticket_id), act)


async def process(
    ctx: Context,
    ticket_id: int,
    result: ProcessingResult,
    actor: Actor,
    keyed: Keyed[StoredTicket],
) -> Answer:
    permissions.require(actor.roles, frozenset({permissions.PROCESSOR}), "processing a ticket")

    async def act(uow: UnitOfWork) -> StoredTicket:
        saved = await _change(
            uow,
            ticket_id,
            "processed",
            actor,
            TicketAction.PROCESS,
            lambda t: rules.process(t, result),
        )
        metrics.operation_finished("aftersales_processing", result.value)
        return saved

    return await keys.run(ctx.unit(), keyed, str(ticket_id), act)


async def _add_images(
    uow: UnitOfWork,
    ticket_id: int,
    kind: ImageKind,
    uploads: list[Upload],
    actor: Actor,
) -> list[TicketImage]:
    # The ticket row is locked by the caller, so two uploads cannot both pass the count.
    conn, now = uow.conn, uow.now()
    already = await store.image_count(conn, ticket_id, kind)
    images = image_rules.decode_all(kind, already, uploads)
    added = await store.add_images(conn, ticket_id, kind, images, actor.username, now)
    found = await store.get(conn, ticket_id)
    assert found is not None
    status = found.ticket.status.value
    await store.record(
        conn,
        ticket_id,
        "images_added",
        actor.username,
        at=now,
        from_status=status,
        to_status=status,
        reason=f"{kind.value}: " + ", ".join(i.filename for i in images),
    )
    return added


IMAGE_ADDERS = {
    ImageKind.CUSTOMER: permissions.TICKET_OPENERS,
    ImageKind.REVIEW: frozenset({permissions.REVIEWER}),
}
"""Customer service adds the customer's evidence; the reviewer the review's images."""


def image_kind_of(actor: Actor, asked: ImageKind | None) -> ImageKind:
    """The kind asked for, or the one the actor's role adds (a reviewer: the review's)."""
    if asked is not None:
        return asked
    return ImageKind.REVIEW if permissions.REVIEWER in actor.roles else ImageKind.CUSTOMER


async def add_images(
    ctx: Context,
    ticket_id: int,
    kind: ImageKind,
    uploads: list[Upload],
    actor: Actor,
    keyed: Keyed[list[TicketImage]],
) -> Answer:
    permissions.require(actor.roles, IMAGE_ADDERS[kind], f"adding {kind.value} images")

    async def act(uow: UnitOfWork) -> list[TicketImage]:
        conn = uow.conn
        found = await store.get(conn, ticket_id, lock=True)
        if found is None:
            raise TicketNotFound(f"no service ticket {ticket_id}")
        seller_id = found.ticket.seller_id
        await sellers.check_reads(conn, actor, seller_id, ticket_id)
        if kind is ImageKind.REVIEW:
            await sellers.check_acts_for(conn, actor, seller_id, Permission.REVIEW)
        return await _add_images(uow, ticket_id, kind, uploads, actor)

    return await keys.run(ctx.unit(), keyed, str(ticket_id), act)
