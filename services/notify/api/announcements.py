"""Announcements (消息列表, the front-page notice board)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status

from services.notify.api.common import Cursor, Limit, NotifyDeps
from services.notify.domain import announcements as rules
from services.notify.domain.announcements import AnnouncementRecord, Content
from services.notify.domain.errors import AnnouncementNotFound
from services.notify.handlers import announcements as handlers
from services.notify.store import announcements as store
from shared.api.notify import (
    AnnouncementDetailOut,
    AnnouncementHistoryOut,
    AnnouncementIn,
    AnnouncementOut,
    AnnouncementPageOut,
    AnnouncementScheduleIn,
    AnnouncementStatus,
    BoardItemOut,
    BoardOut,
)
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.paging import Position, decode_serial_cursor, page_of, whole_list

router = APIRouter(tags=["announcements"])


def _content(body: AnnouncementIn) -> Content:
    return Content(body.title, body.body, body.publish_at, body.withdraw_at)


def _announcement(stored: AnnouncementRecord, actor: Actor) -> AnnouncementOut:
    """The stored announcement and who wrote it, field by field as the answer says them."""
    values = asdict(stored)
    values |= values.pop("announcement")
    actions = [action.value for action in rules.actions(stored.announcement, actor.roles)]
    return AnnouncementOut.model_validate(values | {"actions": actions})


def _position(stored: AnnouncementRecord) -> Position:
    return Position(stored.created_at, str(stored.announcement.id))


@router.post("/announcements", status_code=status.HTTP_201_CREATED, response_model=AnnouncementOut)
async def post_announcement(
    body: AnnouncementIn, deps: NotifyDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> AnnouncementOut:
    """A new draft (not shown until published, by hand or at ``publish_at``). As every
    command on announcements: the same Idempotency-Key answers the announcement again and
    changes nothing; with another content or time, 422 idempotency_key_reused."""
    created = await handlers.create(deps, _content(body), actor, idempotency_key)
    return _announcement(created, actor)


@router.get("/announcements", response_model=AnnouncementPageOut)
async def list_announcements(
    deps: NotifyDeps,
    actor: CurrentActor,
    status: AnnouncementStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AnnouncementPageOut:
    """Every announcement, for staff: newest first, each with the buttons the caller's
    roles and its state allow."""
    rows = await store.page(
        deps.pool, status=status, before_id=decode_serial_cursor(cursor), limit=limit + 1
    )
    page = page_of(rows, limit, _position)
    return AnnouncementPageOut(
        items=[_announcement(r, actor) for r in page.items],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


@router.get("/announcements/board", response_model=BoardOut)
async def get_board(deps: NotifyDeps) -> BoardOut:
    """What the front page's notice board shows now (no agent needed: it is public)."""
    online = await store.board(deps.pool)
    return BoardOut(
        items=[BoardItemOut.model_validate(asdict(a)) for a in online],
        **whole_list(len(online)),
    )


@router.get("/announcements/{announcement_id}", response_model=AnnouncementDetailOut)
async def get_announcement(
    announcement_id: int, deps: NotifyDeps, actor: CurrentActor
) -> AnnouncementDetailOut:
    stored = await store.get(deps.pool, announcement_id)
    if stored is None:
        raise AnnouncementNotFound(f"no announcement {announcement_id}")
    history = await store.history(deps.pool, announcement_id)
    return AnnouncementDetailOut(
        **_announcement(stored, actor).model_dump(),
        history=[AnnouncementHistoryOut.model_validate(asdict(h)) for h in history],
    )


@router.put("/announcements/{announcement_id}", response_model=AnnouncementOut)
async def put_announcement(
    announcement_id: int,
    body: AnnouncementIn,
    deps: NotifyDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> AnnouncementOut:
    """Edit it; only while it is not online (409 ``announcement_online``)."""
    edited = await handlers.edit(deps, announcement_id, _content(body), actor, idempotency_key)
    return _announcement(edited, actor)


@router.post("/announcements/{announcement_id}/publish", response_model=AnnouncementOut)
async def post_publish(
    announcement_id: int, deps: NotifyDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> AnnouncementOut:
    """Put it online: every user sees it at once (409 ``announcement_online`` if it is; the
    same Idempotency-Key answers the publication again instead)."""
    published = await handlers.publish(deps, announcement_id, actor, idempotency_key)
    return _announcement(published, actor)


@router.post("/announcements/{announcement_id}/withdraw", response_model=AnnouncementOut)
async def post_withdraw(
    announcement_id: int, deps: NotifyDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> AnnouncementOut:
    """Take it offline (409 ``announcement_not_online`` if it is not online)."""
    withdrawn = await handlers.withdraw(deps, announcement_id, actor, idempotency_key)
    return _announcement(withdrawn, actor)


@router.post("/announcements/{announcement_id}/schedule", response_model=AnnouncementOut)
async def post_schedule(
    announcement_id: int,
    body: AnnouncementScheduleIn,
    deps: NotifyDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> AnnouncementOut:
    """When it goes online and offline (both null: no schedule). Online, only when it goes
    offline (409 ``announcement_online`` for a ``publish_at``)."""
    scheduled = await handlers.schedule(
        deps, announcement_id, body.publish_at, body.withdraw_at, actor, idempotency_key
    )
    return _announcement(scheduled, actor)
