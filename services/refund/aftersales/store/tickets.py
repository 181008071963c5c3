"""Service tickets (``aftersales_tickets``), their history, images and reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from services.refund.aftersales.domain.images import Image, ImageKind
from services.refund.aftersales.domain.quality import QualityFigures
from services.refund.aftersales.domain.stored import (
    OverdueTicket,
    StoredTicket,
    TicketEvent,
    TicketImage,
)
from services.refund.aftersales.domain.ticket_query import TicketQuery
from services.refund.aftersales.domain.tickets import (
    NewTicket,
    ProcessingResult,
    ReviewOutcome,
    Stage,
    Ticket,
    TicketStatus,
)
from shared.db import Db
from shared.db.rows import row_as, rows_as
from shared.paging import Position

_OVERDUE = (
    "((t.status = 'awaiting_review' AND t.created_at <= $2)"
    " OR (t.status = 'awaiting_receipt' AND t.receipt_due_at <= $1)"
    " OR (t.status = 'awaiting_processing' AND t.processing_due_at <= $1))"
)
_STAGE = (
    "CASE t.status WHEN 'awaiting_review' THEN 'review' WHEN 'awaiting_receipt' THEN 'receipt'"
    " ELSE 'processing' END"
)


def _ticket(row: asyncpg.Record) -> Ticket:
    return Ticket(
        id=row["id"],
        seller_id=row["seller_id"],
        application_no=row["application_no"],
        status=TicketStatus(row["status"]),
        created_at=row["created_at"],
        review_due_at=row["review_due_at"],
        receipt_due_at=row["receipt_due_at"],
        processing_due_at=row["processing_due_at"],
        outcome=ReviewOutcome(row["outcome"]) if row["outcome"] else None,
        review_reason=row["review_reason"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        processing_result=(
            ProcessingResult(row["processing_result"]) if row["processing_result"] else None
        ),
    )


def _stored(row: asyncpg.Record) -> StoredTicket:
    return StoredTicket(
        ticket=_ticket(row),
        order_no=row["order_no"],
        customer_id=row["customer_id"],
        service_type=row["service_type"],
        description=row["description"],
        created_by=row["created_by"],
    )


def _overdue(row: asyncpg.Record) -> OverdueTicket:
    return OverdueTicket(_stored(row), Stage(row["stage"]), row.get("reminded_at"))


async def insert(
    conn: asyncpg.Connection, t: NewTicket, actor: str, now: datetime, review_due_at: datetime
) -> StoredTicket:
    row = await conn.fetchrow(
        "INSERT INTO aftersales_tickets (seller_id, application_no, order_no, customer_id,"
        " service_type, description, status, created_by, created_at, review_due_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, 'awaiting_review', $7, $8, $9, $8) RETURNING *",
        t.seller_id,
        t.application_no,
        t.order_no,
        t.customer_id,
        t.service_type.value,
        t.description,
        actor,
        now,
        review_due_at,
    )
    assert row is not None
    return _stored(row)


async def get(db: Db, ticket_id: int, *, lock: bool = False) -> StoredTicket | None:
    suffix = " FOR UPDATE" if lock else ""
    row = await db.fetchrow(f"SELECT * FROM aftersales_tickets WHERE id = $1{suffix}", ticket_id)
    return None if row is None else _stored(row)


async def get_many(db: Db, ticket_ids: Sequence[int]) -> list[Ticket]:
    rows = await db.fetch(
        "SELECT * FROM aftersales_tickets WHERE id = ANY($1::bigint[]) ORDER BY id",
        list(ticket_ids),
    )
    return [_ticket(r) for r in rows]


async def save(conn: asyncpg.Connection, t: Ticket, now: datetime) -> StoredTicket:
    row = await conn.fetchrow(
        "UPDATE aftersales_tickets SET status = $2, outcome = $3, review_reason = $4,"
        " reviewed_by = $5, reviewed_at = $6, processing_result = $7, review_due_at = $8,"
        " receipt_due_at = $9, processing_due_at = $10, updated_at = $11"
        " WHERE id = $1 RETURNING *",
        t.id,
        t.status.value,
        t.outcome.value if t.outcome else None,
        t.review_reason,
        t.reviewed_by,
        t.reviewed_at,
        t.processing_result.value if t.processing_result else None,
        t.review_due_at,
        t.receipt_due_at,
        t.processing_due_at,
        now,
    )
    assert row is not None
    return _stored(row)


async def record(
    conn: asyncpg.Connection,
    ticket_id: int,
    action: str,
    actor: str,
    *,
    at: datetime,
    from_status: str | None,
    to_status: str,
    outcome: str | None = None,
    reason: str | None = None,
    system: bool = False,
) -> None:
    await conn.execute(
        "INSERT INTO aftersales_ticket_events (ticket_id, action, actor, actor_kind,"
        " from_status, to_status, outcome, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ticket_id,
        action,
        actor,
        "system" if system else "staff",
        from_status,
        to_status,
        outcome,
        reason,
        at,
    )


async def history(db: Db, ticket_id: int) -> list[TicketEvent]:
    rows = await db.fetch(
        "SELECT * FROM aftersales_ticket_events WHERE ticket_id = $1 ORDER BY id", ticket_id
    )
    return rows_as(TicketEvent, rows)


async def page(
    db: Db, query: TicketQuery, *, before_id: int | None, limit: int
) -> list[StoredTicket]:
    """Tickets matching every filter, newest first; ``limit`` rows at most."""
    sql = (
        "SELECT * FROM aftersales_tickets WHERE ($1::text IS NULL OR seller_id = $1)"
        " AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR application_no = $3)"
        " AND ($4::text IS NULL OR order_no = $4) AND ($5::text IS NULL OR customer_id = $5)"
        " AND ($6::text IS NULL OR outcome = $6)"
        " AND ($7::timestamptz IS NULL OR created_at >= $7)"
        " AND ($8::timestamptz IS NULL OR created_at < $8)"
        " AND ($9::text[] IS NULL OR seller_id = ANY ($9))"
        " AND ($10::bigint IS NULL OR id < $10) ORDER BY id DESC LIMIT $11"
    )
    return [
        _stored(r)
        for r in await db.fetch(
            sql,
            query.seller_id,
            query.status.value if query.status else None,
            query.application_no,
            query.order_no,
            query.customer_id,
            query.outcome.value if query.outcome else None,
            query.opened_from,
            query.opened_before,
            sorted(query.sellers) if query.sellers is not None else None,
            before_id,
            limit,
        )
    ]


_IMAGE = "id, ticket_id, kind, filename, content_type, size_bytes, uploaded_by, uploaded_at"
"""An image's description, without its bytes."""


async def add_images(
    conn: asyncpg.Connection,
    ticket_id: int,
    kind: ImageKind,
    images: Sequence[Image],
    actor: str,
    now: datetime,
) -> list[TicketImage]:
    added = []
    for image in images:
        row = await conn.fetchrow(
            "INSERT INTO aftersales_ticket_images (ticket_id, kind, filename, content_type,"
            " size_bytes, data, uploaded_by, uploaded_at)"
            f" VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_IMAGE}",
            ticket_id,
            kind.value,
            image.filename,
            image.content_type,
            len(image.data),
            image.data,
            actor,
            now,
        )
        added.append(row_as(TicketImage, row))
    return added


async def image_count(conn: asyncpg.Connection, ticket_id: int, kind: ImageKind) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM aftersales_ticket_images WHERE ticket_id = $1 AND kind = $2",
        ticket_id,
        kind.value,
    )
    return count


async def images(db: Db, ticket_id: int) -> list[TicketImage]:
    """The images' descriptions, without their bytes: the customer's first, then by id."""
    rows = await db.fetch(
        f"SELECT {_IMAGE} FROM aftersales_ticket_images WHERE ticket_id = $1"
        " ORDER BY kind = 'review', id",
        ticket_id,
    )
    return rows_as(TicketImage, rows)


async def image(db: Db, ticket_id: int, image_id: int) -> tuple[TicketImage, bytes] | None:
    """One image's description and its bytes."""
    row = await db.fetchrow(
        "SELECT * FROM aftersales_ticket_images WHERE ticket_id = $1 AND id = $2",
        ticket_id,
        image_id,
    )
    return None if row is None else (row_as(TicketImage, row), bytes(row["data"]))


async def claim_auto_approvals(conn: asyncpg.Connection, now: datetime, limit: int) -> list[Ticket]:
    """Unreviewed tickets past their review time, locked (replicas share the work)."""
    rows = await conn.fetch(
        "SELECT * FROM aftersales_tickets WHERE status = 'awaiting_review'"
        " AND review_due_at <= $1 ORDER BY review_due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [_ticket(r) for r in rows]


async def claim_unreminded(
    conn: asyncpg.Connection, now: datetime, review_late_before: datetime, limit: int
) -> list[OverdueTicket]:
    """Overdue tickets whose staff were not reminded of this stage yet, locked."""
    return [
        _overdue(r)
        for r in await conn.fetch(
            f"SELECT t.*, {_STAGE} AS stage FROM aftersales_tickets t WHERE {_OVERDUE}"
            " AND NOT EXISTS (SELECT 1 FROM aftersales_reminders r WHERE r.ticket_id = t.id"
            f" AND r.stage = {_STAGE}) ORDER BY t.id LIMIT $3 FOR UPDATE OF t SKIP LOCKED",
            now,
            review_late_before,
            limit,
        )
    ]


async def next_due(conn: Db, remind_review_after: timedelta) -> datetime | None:
    """When the sweep next has work: the earliest unreviewed ticket's system approval, or
    a stage's reminder not sent yet (a review ``remind_review_after`` past its opening, a
    return or processing past its due time); None when no ticket waits on either."""
    due: datetime | None = await conn.fetchval(
        "SELECT least("
        " (SELECT min(review_due_at) FROM aftersales_tickets WHERE status = 'awaiting_review'),"
        f" (SELECT min(CASE t.status WHEN 'awaiting_review' THEN t.created_at + $1"
        "  WHEN 'awaiting_receipt' THEN t.receipt_due_at ELSE t.processing_due_at END)"
        "  FROM aftersales_tickets t WHERE t.status IN"
        "  ('awaiting_review', 'awaiting_receipt', 'awaiting_processing')"
        "  AND NOT EXISTS (SELECT 1 FROM aftersales_reminders r WHERE r.ticket_id = t.id"
        f"  AND r.stage = {_STAGE})))",
        remind_review_after,
    )
    return due


async def remember_reminder(
    conn: asyncpg.Connection, ticket_id: int, stage: str, recipients: list[str], now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO aftersales_reminders (ticket_id, stage, reminded_at, recipients)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        ticket_id,
        stage,
        now,
        recipients,
    )


async def overdue(
    db: Db,
    now: datetime,
    review_late_before: datetime,
    *,
    stage: str | None,
    seller_id: str | None,
    sellers: frozenset[str] | None,
    after: Position | None,
    limit: int,
) -> list[OverdueTicket]:
    """Overdue tickets, longest waiting first, with when their staff were reminded."""
    return [
        _overdue(r)
        for r in await db.fetch(
            f"SELECT t.*, {_STAGE} AS stage, r.reminded_at FROM aftersales_tickets t"
            f" LEFT JOIN aftersales_reminders r ON r.ticket_id = t.id AND r.stage = {_STAGE}"
            f" WHERE {_OVERDUE} AND ($3::text IS NULL OR {_STAGE} = $3)"
            " AND ($4::text IS NULL OR t.seller_id = $4)"
            " AND ($5::text[] IS NULL OR t.seller_id = ANY ($5))"
            " AND ($6::timestamptz IS NULL OR (t.created_at, t.id) > ($6, $7::bigint))"
            " ORDER BY t.created_at, t.id LIMIT $8",
            now,
            review_late_before,
            stage,
            seller_id,
            sorted(sellers) if sellers is not None else None,
            after.at if after else None,
            int(after.id) if after else None,
            limit,
        )
    ]


async def quality(
    db: Db, seller_id: str, start: datetime, end: datetime, system_actor: str
) -> QualityFigures:
    """A seller's figures over the tickets opened in the period."""
    row = await db.fetchrow(
        "SELECT count(*) AS opened,"
        " count(*) FILTER (WHERE reviewed_by IS NOT NULL AND reviewed_by <> $4)"
        "   AS reviewed_by_staff,"
        " count(*) FILTER (WHERE reviewed_by = $4) AS auto_approved,"
        " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM aftersales_reminders r"
        "   WHERE r.ticket_id = t.id)) AS overdue_tickets,"
        " count(*) FILTER (WHERE status = 'completed') AS completed,"
        " (avg(extract(epoch FROM reviewed_at - created_at))"
        "   FILTER (WHERE reviewed_by <> $4) / 60)::bigint AS average_review_minutes"
        " FROM aftersales_tickets t WHERE seller_id = $1 AND created_at >= $2 AND created_at < $3",
        seller_id,
        start,
        end,
        system_actor,
    )
    assert row is not None
    return row_as(QualityFigures, row)
