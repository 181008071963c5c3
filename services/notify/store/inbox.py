"""In-app inboxes (``inbox_messages``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.notify.domain.inbox import InboxMessage
from shared.db import Db
from shared.db.rows import row_as, rows_as


@dataclass(frozen=True)
class NewMessage:
    recipient_kind: str
    recipient: str
    dedupe_key: str
    template_id: str | None
    title: str | None
    body: str
    requested_by: str
    created_at: datetime


async def insert_many(conn: asyncpg.Connection, messages: Sequence[NewMessage]) -> int:
    """Insert the messages whose dedupe key is new; return how many were."""
    rows = await conn.fetch(
        "INSERT INTO inbox_messages (recipient_kind, recipient, dedupe_key, template_id, title,"
        " body, requested_by, created_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        " $6::text[], $7::text[], $8::timestamptz[])"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        [m.recipient_kind for m in messages],
        [m.recipient for m in messages],
        [m.dedupe_key for m in messages],
        [m.template_id for m in messages],
        [m.title for m in messages],
        [m.body for m in messages],
        [m.requested_by for m in messages],
        [m.created_at for m in messages],
    )
    return len(rows)


async def page(
    db: Db, kind: str, recipient: str, *, unread_only: bool, before_id: int | None, limit: int
) -> list[InboxMessage]:
    rows = await db.fetch(
        "SELECT * FROM inbox_messages WHERE recipient_kind = $1 AND recipient = $2"
        " AND ($3::bigint IS NULL OR id < $3) AND (NOT $4 OR read_at IS NULL)"
        " ORDER BY id DESC LIMIT $5",
        kind,
        recipient,
        before_id,
        unread_only,
        limit,
    )
    return rows_as(InboxMessage, rows)


async def unread_count(db: Db, kind: str, recipient: str) -> int:
    n: int = await db.fetchval(
        "SELECT count(*) FROM inbox_messages WHERE recipient_kind = $1 AND recipient = $2"
        " AND read_at IS NULL",
        kind,
        recipient,
    )
    return n


async def mark_read(
    db: Db, kind: str, recipient: str, message_id: int, now: datetime
) -> InboxMessage | None:
    """The message, read (its first read time kept); None if it is not in this inbox."""
    row = await db.fetchrow(
        "UPDATE inbox_messages SET read_at = coalesce(read_at, $4)"
        " WHERE id = $3 AND recipient_kind = $1 AND recipient = $2 RETURNING *",
        kind,
        recipient,
        message_id,
        now,
    )
    return None if row is None else row_as(InboxMessage, row)


async def mark_all_read(db: Db, kind: str, recipient: str, now: datetime) -> int:
    result: str = await db.execute(
        "UPDATE inbox_messages SET read_at = $3 WHERE recipient_kind = $1 AND recipient = $2"
        " AND read_at IS NULL",
        kind,
        recipient,
        now,
    )
    return int(result.split()[-1])
