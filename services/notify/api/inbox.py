"""In-app inboxes: a customer's (by user id) or a staff member's (``kind=staff``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.notify.api.common import Cursor, Limit, NotifyDeps
from services.notify.domain import cursor as cursors
from services.notify.domain.errors import MessageNotFound
from services.notify.store import inbox as store
from shared.http import CurrentActor

router = APIRouter(tags=["inbox"])
Kind = Annotated[
    Literal["user", "staff"],
    Query(description="Whose inbox: a customer's user id, or a staff member's username"),
]


class InboxMessage(BaseModel):
    id: int
    title: str | None
    body: str
    template_id: str | None
    created_at: datetime
    read: bool
    read_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> InboxMessage:
        return cls(
            id=row["id"],
            title=row["title"],
            body=row["body"],
            template_id=row["template_id"],
            created_at=row["created_at"],
            read=row["read_at"] is not None,
            read_at=row["read_at"],
        )


class InboxPage(BaseModel):
    recipient: str
    kind: str
    unread: int
    items: list[InboxMessage]
    """Newest first."""
    next_cursor: str | None


class UnreadCount(BaseModel):
    recipient: str
    kind: str
    unread: int


class MarkedRead(BaseModel):
    marked: int


@router.get("/inbox/{recipient}", response_model=InboxPage)
async def get_inbox(
    recipient: str,
    deps: NotifyDeps,
    _actor: CurrentActor,
    kind: Kind = "user",
    unread_only: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> InboxPage:
    rows = await store.page(
        deps.pool,
        kind,
        recipient,
        unread_only=unread_only,
        before_id=cursors.decode(cursor),
        limit=limit,
    )
    return InboxPage(
        recipient=recipient,
        kind=kind,
        unread=await store.unread_count(deps.pool, kind, recipient),
        items=[InboxMessage.of(r) for r in rows],
        next_cursor=cursors.next_cursor([r["id"] for r in rows], limit),
    )


@router.get("/inbox/{recipient}/unread-count", response_model=UnreadCount)
async def get_unread_count(
    recipient: str, deps: NotifyDeps, _actor: CurrentActor, kind: Kind = "user"
) -> UnreadCount:
    return UnreadCount(
        recipient=recipient, kind=kind, unread=await store.unread_count(deps.pool, kind, recipient)
    )


@router.post("/inbox/{recipient}/messages/{message_id}/read", response_model=InboxMessage)
async def post_read(
    recipient: str, message_id: int, deps: NotifyDeps, _actor: CurrentActor, kind: Kind = "user"
) -> InboxMessage:
    """Mark one message read; again is harmless (the first read time stays)."""
    row = await store.mark_read(deps.pool, kind, recipient, message_id, deps.clock())
    if row is None:
        raise MessageNotFound(f"no message {message_id} in this inbox")
    return InboxMessage.of(row)


@router.post("/inbox/{recipient}/read-all", response_model=MarkedRead)
async def post_read_all(
    recipient: str, deps: NotifyDeps, _actor: CurrentActor, kind: Kind = "user"
) -> MarkedRead:
    return MarkedRead(marked=await store.mark_all_read(deps.pool, kind, recipient, deps.clock()))
