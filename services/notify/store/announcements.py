"""Announcements (``announcements``) and their history."""

from __future__ import annotations

import asyncpg

from services.notify.domain.announcements import (
    Announcement,
    AnnouncementRecord,
    AnnouncementStatus,
    Content,
    HistoryEntry,
)
from shared.db import Db
from shared.db.rows import rows_as


def _announcement(row: asyncpg.Record) -> Announcement:
    return Announcement(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        status=AnnouncementStatus(row["status"]),
        publish_at=row["publish_at"],
        withdraw_at=row["withdraw_at"],
        published_at=row["published_at"],
        withdrawn_at=row["withdrawn_at"],
    )


def _record(row: asyncpg.Record) -> AnnouncementRecord:
    return AnnouncementRecord(
        announcement=_announcement(row),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )


async def insert(conn: asyncpg.Connection, content: Content, actor: str) -> AnnouncementRecord:
    row = await conn.fetchrow(
        "INSERT INTO announcements (title, body, status, publish_at, withdraw_at, created_by,"
        " updated_by) VALUES ($1, $2, 'draft', $3, $4, $5, $5) RETURNING *",
        content.title,
        content.body,
        content.publish_at,
        content.withdraw_at,
        actor,
    )
    assert row is not None
    return _record(row)


async def get_for_update(conn: asyncpg.Connection, announcement_id: int) -> Announcement | None:
    row = await conn.fetchrow(
        "SELECT * FROM announcements WHERE id = $1 FOR UPDATE", announcement_id
    )
    return None if row is None else _announcement(row)


async def get(db: Db, announcement_id: int) -> AnnouncementRecord | None:
    row = await db.fetchrow("SELECT * FROM announcements WHERE id = $1", announcement_id)
    return None if row is None else _record(row)


async def save(conn: asyncpg.Connection, a: Announcement, actor: str) -> AnnouncementRecord:
    row = await conn.fetchrow(
        "UPDATE announcements SET title = $2, body = $3, status = $4, publish_at = $5,"
        " withdraw_at = $6, published_at = $7, withdrawn_at = $8, updated_by = $9,"
        " updated_at = now() WHERE id = $1 RETURNING *",
        a.id,
        a.title,
        a.body,
        a.status.value,
        a.publish_at,
        a.withdraw_at,
        a.published_at,
        a.withdrawn_at,
        actor,
    )
    assert row is not None
    return _record(row)


async def record(conn: asyncpg.Connection, a: Announcement, action: str, actor: str) -> None:
    await conn.execute(
        "INSERT INTO announcement_history (announcement_id, action, actor, title, body,"
        " publish_at, withdraw_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        a.id,
        action,
        actor,
        a.title,
        a.body,
        a.publish_at,
        a.withdraw_at,
    )


async def history(db: Db, announcement_id: int) -> list[HistoryEntry]:
    rows = await db.fetch(
        "SELECT * FROM announcement_history WHERE announcement_id = $1 ORDER BY id",
        announcement_id,
    )
    return rows_as(HistoryEntry, rows)


async def page(
    db: Db, *, status: str | None, before_id: int | None, limit: int
) -> list[AnnouncementRecord]:
    rows = await db.fetch(
        "SELECT * FROM announcements WHERE ($1::text IS NULL OR status = $1)"
        " AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        status,
        before_id,
        limit,
    )
    return [_record(r) for r in rows]


async def board(db: Db) -> list[Announcement]:
    """Online now, newest first; one past its withdraw time is hidden before the sweep runs."""
    rows = await db.fetch(
        "SELECT * FROM announcements WHERE status = 'online'"
        " AND (withdraw_at IS NULL OR withdraw_at > now()) ORDER BY published_at DESC, id DESC"
    )
    return [_announcement(r) for r in rows]


async def claim_due(conn: asyncpg.Connection, limit: int = 100) -> list[Announcement]:
    """Announcements whose schedule is due, locked (replicas share the work)."""
    rows = await conn.fetch(
        "SELECT * FROM announcements WHERE (status <> 'online' AND publish_at <= now())"
        " OR (status = 'online' AND withdraw_at <= now())"
        " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
    )
    return [_announcement(r) for r in rows]
