"""Announcements (the front page's notice board), from the notify service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.api.paging import Cursor, Limit
from services.gateway.calls import Call, forward_public
from shared.api.notify import (
    AnnouncementDetailOut,
    AnnouncementIn,
    AnnouncementOut,
    AnnouncementPageOut,
    AnnouncementScheduleIn,
    AnnouncementStatus,
    BoardOut,
)

router = APIRouter(tags=["announcements"])


@router.get(
    "/api/v1/notify/announcements",
    responses={200: {"model": AnnouncementPageOut}, **errors(401, 403, 422, 503)},
)
async def list_announcements(
    call: Call,
    status: Annotated[AnnouncementStatus | None, Query(description="Only these")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Every announcement, newest first, with the buttons each shows."""
    return await call.forward()


@router.post(
    "/api/v1/notify/announcements",
    status_code=201,
    responses={201: {"model": AnnouncementOut}, **errors(401, 403, 422, 503)},
)
async def create_announcement(body: AnnouncementIn, call: Call) -> Response:
    """A new draft, shown once published (by hand, or at ``publish_at``)."""
    return await call.forward(body)


# Before /announcements/{announcement_id}, which would otherwise match it.
@router.get(
    "/api/v1/notify/announcements/board",
    responses={200: {"model": BoardOut}, **errors(503)},
)
async def board(request: Request) -> Response:
    """What the front page's notice board shows now. Public: no sign-in."""
    return await forward_public(request)


@router.get(
    "/api/v1/notify/announcements/{announcement_id}",
    responses={200: {"model": AnnouncementDetailOut}, **errors(401, 403, 404, 422, 503)},
)
async def announcement_detail(announcement_id: int, call: Call) -> Response:
    """One announcement with its history: who did what, when."""
    return await call.forward()


@router.put(
    "/api/v1/notify/announcements/{announcement_id}",
    responses={200: {"model": AnnouncementOut}, **errors(401, 403, 404, 409, 422, 503)},
)
async def edit_announcement(announcement_id: int, body: AnnouncementIn, call: Call) -> Response:
    """Edit it; only while it is not online (409 ``announcement_online``)."""
    return await call.forward(body)


@router.post(
    "/api/v1/notify/announcements/{announcement_id}/publish",
    responses={200: {"model": AnnouncementOut}, **errors(401, 403, 404, 409, 422, 503)},
)
async def publish_announcement(announcement_id: int, call: Call) -> Response:
    """Put it online: the board shows it at once (409 ``announcement_online`` if it is)."""
    return await call.forward()


@router.post(
    "/api/v1/notify/announcements/{announcement_id}/withdraw",
    responses={200: {"model": AnnouncementOut}, **errors(401, 403, 404, 409, 422, 503)},
)
async def withdraw_announcement(announcement_id: int, call: Call) -> Response:
    """Take it offline (409 ``announcement_not_online`` if it is not online)."""
    return await call.forward()


@router.post(
    "/api/v1/notify/announcements/{announcement_id}/schedule",
    responses={200: {"model": AnnouncementOut}, **errors(401, 403, 404, 409, 422, 503)},
)
async def schedule_announcement(
    announcement_id: int, body: AnnouncementScheduleIn, call: Call
) -> Response:
    """When it goes online and offline (both null: no schedule). Online, only when it goes
    offline (409 ``announcement_online`` for a ``publish_at``)."""
    return await call.forward(body)
