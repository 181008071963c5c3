"""In-app inboxes: a customer's (by user id) or a staff member's (``kind=staff``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from services.notify.api.common import Cursor, Limit, NotifyDeps
from services.notify.domain.errors import MessageNotFound
from services.notify.domain.inbox import InboxMessage
from services.notify.store import inbox as store
from shared.api.notify import (
    InboxKind,
    InboxMessageOut,
    InboxPageOut,
    MarkedReadOut,
    UnreadCountOut,
)
from shared.http import CurrentActor
from shared.paging import Position, decode_serial_cursor, page_of

router = APIRouter(tags=["inbox"])
Kind = Annotated[
    InboxKind,
    Query(description="Whose inbox: a customer's user id, or a staff member's username"),
]


def _message(message: InboxMessage) -> InboxMessageOut:
    return InboxMessageOut.model_validate(asdict(message) | {"read": message.read_at is not None})


def _position(message: InboxMessage) -> Position:
    return Position(message.created_at, str(message.id))


@router.get("/inbox/{recipient}", response_model=InboxPageOut)
async def get_inbox(
    recipient: str,
    deps: NotifyDeps,
    _actor: CurrentActor,
    kind: Kind = "user",
    unread_only: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> InboxPageOut:
    rows = await store.page(
        deps.pool,
        kind,
        recipient,
        unread_only=unread_only,
        before_id=decode_serial_cursor(cursor),
        limit=limit + 1,
    )
    page = page_of(rows, limit, _position)
    return InboxPageOut(
        recipient=recipient,
        kind=kind,
        unread=await store.unread_count(deps.pool, kind, recipient),
        items=[_message(r) for r in page.items],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


@router.get("/inbox/{recipient}/unread-count", response_model=UnreadCountOut)
async def get_unread_count(
    recipient: str, deps: NotifyDeps, _actor: CurrentActor, kind: Kind = "user"
) -> UnreadCountOut:
    return UnreadCountOut(
        recipient=recipient, kind=kind, unread=await store.unread_count(deps.pool, kind, recipient)
    )


@router.post("/inbox/{recipient}/messages/{message_id}/read", response_model=InboxMessageOut)
async def post_read(
    recipient: str, message_id: int, deps: NotifyDeps, _actor: CurrentActor, kind: Kind = "user"
) -> InboxMessageOut:
    """Mark one message read; again is harmless (the first read time stays)."""
    row = await store.mark_read(deps.pool, kind, recipient, message_id, deps.clock())
    if row is None:
        raise MessageNotFound(f"no message {message_id} in this inbox")
    return _message(row)


@router.post("/inbox/{recipient}/read-all", response_model=MarkedReadOut)
async def post_read_all(
    recipient: str, deps: NotifyDeps, _actor: CurrentActor, kind: Kind = "user"
) -> MarkedReadOut:
    return MarkedReadOut(marked=await store.mark_all_read(deps.pool, kind, recipient, deps.clock()))
