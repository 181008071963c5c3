"""In-app inboxes, from the notify service: a staff member's own, and a customer's.

The notify service names an inbox by recipient and kind. Here the client never
chooses either for a staff inbox: the recipient is the signed-in username, so
nobody reads a colleague's inbox.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.api.paging import Cursor, Limit
from services.gateway.calls import Call, GatewayCall
from shared.api.notify import (
    InboxMessageOut,
    InboxPageOut,
    MarkedReadOut,
    UnreadCountOut,
)

router = APIRouter(tags=["inbox"])
STAFF = {"kind": "staff"}
USER = {"kind": "user"}
UnreadOnly = Annotated[bool | None, Query(description="Only unread messages")]


def _inbox(recipient: str, rest: str = "") -> str:
    return f"/inbox/{quote(recipient, safe='')}{rest}"


def _own(call: GatewayCall, rest: str = "") -> str:
    return _inbox(call.actor.username, rest)


@router.get(
    "/api/v1/notify/inbox/me",
    responses={200: {"model": InboxPageOut}, **errors(401, 422, 503)},
)
async def my_inbox(
    call: Call, unread_only: UnreadOnly = None, limit: Limit = None, cursor: Cursor = None
) -> Response:
    """Your own inbox (for example a refund form past its time limit), newest first."""
    return await call.forward(path=_own(call), fixed=STAFF)


@router.get(
    "/api/v1/notify/inbox/me/unread-count",
    responses={200: {"model": UnreadCountOut}, **errors(401, 503)},
)
async def my_unread_count(call: Call) -> Response:
    return await call.forward(path=_own(call, "/unread-count"), fixed=STAFF)


@router.post(
    "/api/v1/notify/inbox/me/messages/{message_id}/read",
    responses={200: {"model": InboxMessageOut}, **errors(401, 404, 422, 503)},
)
async def mark_read(message_id: int, call: Call) -> Response:
    """Mark one of your messages read; again is harmless (404 ``message_not_found``)."""
    return await call.forward(path=_own(call, f"/messages/{message_id}/read"), fixed=STAFF)


@router.post(
    "/api/v1/notify/inbox/me/read-all",
    responses={200: {"model": MarkedReadOut}, **errors(401, 503)},
)
async def mark_all_read(call: Call) -> Response:
    return await call.forward(path=_own(call, "/read-all"), fixed=STAFF)


@router.get(
    "/api/v1/notify/users/{user_id}/inbox",
    responses={200: {"model": InboxPageOut}, **errors(401, 403, 422, 503)},
)
async def user_inbox(
    user_id: str,
    call: Call,
    unread_only: UnreadOnly = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """A customer's in-app inbox, newest first: what they were told (points refunded, ...)."""
    return await call.forward(path=_inbox(user_id), fixed=USER)


@router.get(
    "/api/v1/notify/users/{user_id}/inbox/unread-count",
    responses={200: {"model": UnreadCountOut}, **errors(401, 403, 503)},
)
async def user_unread_count(user_id: str, call: Call) -> Response:
    return await call.forward(path=_inbox(user_id, "/unread-count"), fixed=USER)
