"""Announcements (消息列表, the front-page notice board)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
from fastapi import APIRouter, status
from pydantic import AwareDatetime, BaseModel

from services.notify.api.common import Cursor, Limit, NotifyDeps
from services.notify.domain import cursor as cursors
from services.notify.domain.announcements import Content
from services.notify.domain.errors import AnnouncementNotFound
from services.notify.handlers import announcements as handlers
from services.notify.store import announcements as store
from shared.http import CurrentActor

router = APIRouter(tags=["announcements"])
Status = Literal["draft", "online", "offline"]
Action = Literal["edit", "publish", "withdraw"]


class AnnouncementIn(BaseModel):
    title: str
    body: str
    publish_at: AwareDatetime | None = None
    """Put it online at this time (once)."""
    withdraw_at: AwareDatetime | None = None
    """Take it offline at this time (once)."""

    def content(self) -> Content:
        return Content(self.title, self.body, self.publish_at, self.withdraw_at)


class HistoryEntry(BaseModel):
    action: str
    actor: str
    at: datetime
    title: str
    body: str


class AnnouncementOut(BaseModel):
    id: int
    title: str
    body: str
    status: Status
    publish_at: datetime | None
    withdraw_at: datetime | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    actions: list[Action]
    """The buttons this announcement shows: edit only while not online."""

    @classmethod
    def of(cls, row: asyncpg.Record) -> AnnouncementOut:
        online = row["status"] == "online"
        actions: list[Action] = ["withdraw"] if online else ["edit", "publish"]
        return cls(
            id=row["id"],
            title=row["title"],
            body=row["body"],
            status=row["status"],
            publish_at=row["publish_at"],
            withdraw_at=row["withdraw_at"],
            published_at=row["published_at"],
            withdrawn_at=row["withdrawn_at"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            updated_by=row["updated_by"],
            updated_at=row["updated_at"],
            actions=actions,
        )


class AnnouncementDetail(AnnouncementOut):
    history: list[HistoryEntry]


class AnnouncementPage(BaseModel):
    items: list[AnnouncementOut]
    next_cursor: str | None


class BoardItem(BaseModel):
    id: int
    title: str
    body: str
    published_at: datetime


class Board(BaseModel):
    items: list[BoardItem]
    """What the front page shows now, newest first."""


@router.post("/announcements", status_code=status.HTTP_201_CREATED, response_model=AnnouncementOut)
async def post_announcement(
    body: AnnouncementIn, deps: NotifyDeps, actor: CurrentActor
) -> AnnouncementOut:
    """A new draft (not shown until published, by hand or at ``publish_at``)."""
    return AnnouncementOut.of(await handlers.create(deps, body.content(), actor.username))


@router.get("/announcements", response_model=AnnouncementPage)
async def list_announcements(
    deps: NotifyDeps,
    _actor: CurrentActor,
    status: Status | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AnnouncementPage:
    """Every announcement, for staff: newest first."""
    rows = await store.page(deps.pool, status=status, before_id=cursors.decode(cursor), limit=limit)
    return AnnouncementPage(
        items=[AnnouncementOut.of(r) for r in rows],
        next_cursor=cursors.next_cursor([r["id"] for r in rows], limit),
    )


@router.get("/announcements/board", response_model=Board)
async def get_board(deps: NotifyDeps) -> Board:
    """What the front page's notice board shows now (no agent needed: it is public)."""
    rows = await store.board(deps.pool)
    return Board(
        items=[
            BoardItem(id=r["id"], title=r["title"], body=r["body"], published_at=r["published_at"])
            for r in rows
        ]
    )


@router.get("/announcements/{announcement_id}", response_model=AnnouncementDetail)
async def get_announcement(
    announcement_id: int, deps: NotifyDeps, _actor: CurrentActor
) -> AnnouncementDetail:
    row = await store.get(deps.pool, announcement_id)
    if row is None:
        raise AnnouncementNotFound(f"no announcement {announcement_id}")
    history = await store.history(deps.pool, announcement_id)
    return AnnouncementDetail(
        **AnnouncementOut.of(row).model_dump(),
        history=[
            HistoryEntry(
                action=h["action"], actor=h["actor"], at=h["at"], title=h["title"], body=h["body"]
            )
            for h in history
        ],
    )


@router.put("/announcements/{announcement_id}", response_model=AnnouncementOut)
async def put_announcement(
    announcement_id: int, body: AnnouncementIn, deps: NotifyDeps, actor: CurrentActor
) -> AnnouncementOut:
    """Edit it; only while it is not online (409 ``announcement_online``)."""
    row = await handlers.edit(deps, announcement_id, body.content(), actor.username)
    return AnnouncementOut.of(row)


@router.post("/announcements/{announcement_id}/publish", response_model=AnnouncementOut)
async def post_publish(
    announcement_id: int, deps: NotifyDeps, actor: CurrentActor
) -> AnnouncementOut:
    """Put it online: every user sees it at once (409 ``announcement_online`` if it is)."""
    return AnnouncementOut.of(await handlers.publish(deps, announcement_id, actor.username))


@router.post("/announcements/{announcement_id}/withdraw", response_model=AnnouncementOut)
async def post_withdraw(
    announcement_id: int, deps: NotifyDeps, actor: CurrentActor
) -> AnnouncementOut:
    """Take it offline (409 ``announcement_not_online`` if it is not online)."""
    return AnnouncementOut.of(await handlers.withdraw(deps, announcement_id, actor.username))
