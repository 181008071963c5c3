"""Front-page announcements (前台公告栏): draft → online ⇄ offline.

The seed's rules: only an announcement that is not online may be edited; putting
one online shows it to every user at once. A schedule may put it online at
``publish_at`` and take it offline at ``withdraw_at``; each fires once (it is
cleared when it fires, or when an agent acts first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum, StrEnum

from services.notify.domain.errors import (
    AnnouncementNotOnline,
    AnnouncementOnline,
    InvalidAnnouncement,
    InvalidSchedule,
)

MAX_TITLE = 100
MAX_BODY = 2000


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Content:
    title: str
    body: str
    publish_at: datetime | None = None
    withdraw_at: datetime | None = None


@dataclass(frozen=True)
class Announcement:
    id: int
    title: str
    body: str
    status: AnnouncementStatus
    publish_at: datetime | None
    withdraw_at: datetime | None
    published_at: datetime | None = None
    withdrawn_at: datetime | None = None


def check_content(content: Content, now: datetime) -> Content:
    title, body = content.title.strip(), content.body.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidAnnouncement(f"a title is 1 to {MAX_TITLE} characters")
    if not 1 <= len(body) <= MAX_BODY:
        raise InvalidAnnouncement(f"a body is 1 to {MAX_BODY} characters")
    for at in (content.publish_at, content.withdraw_at):
        if at is not None and at.tzinfo is None:
            raise InvalidSchedule("schedule times need a time zone")
    if content.withdraw_at is not None and content.withdraw_at <= now:
        raise InvalidSchedule("withdraw_at is in the past")
    if (
        content.publish_at is not None
        and content.withdraw_at is not None
        and content.withdraw_at <= content.publish_at
    ):
        raise InvalidSchedule("withdraw_at must come after publish_at")
    return replace(content, title=title, body=body)


def draft(content: Content, now: datetime) -> Content:
    return check_content(content, now)


def edit(current: Announcement, content: Content, now: datetime) -> Announcement:
    if current.status is AnnouncementStatus.ONLINE:
        raise AnnouncementOnline(
            f"announcement {current.id} is online: take it offline before editing it"
        )
    checked = check_content(content, now)
    return replace(
        current,
        title=checked.title,
        body=checked.body,
        publish_at=checked.publish_at,
        withdraw_at=checked.withdraw_at,
    )


def publish(current: Announcement, now: datetime) -> Announcement:
    if current.status is AnnouncementStatus.ONLINE:
        raise AnnouncementOnline(f"announcement {current.id} is already online")
    withdraw_at = current.withdraw_at if current.withdraw_at and current.withdraw_at > now else None
    return replace(
        current,
        status=AnnouncementStatus.ONLINE,
        publish_at=None,
        withdraw_at=withdraw_at,
        published_at=now,
    )


def withdraw(current: Announcement, now: datetime) -> Announcement:
    if current.status is not AnnouncementStatus.ONLINE:
        raise AnnouncementNotOnline(f"announcement {current.id} is not online")
    return replace(current, status=AnnouncementStatus.OFFLINE, withdraw_at=None, withdrawn_at=now)


class Due(Enum):
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    EXPIRE_SCHEDULE = "expire_schedule"
    """Its whole window passed unseen (the service was down): never show a stale notice."""


def due(current: Announcement, now: datetime) -> Due | None:
    """What the schedule asks of this announcement now, if anything."""
    if current.status is AnnouncementStatus.ONLINE:
        if current.withdraw_at is not None and current.withdraw_at <= now:
            return Due.WITHDRAW
        return None
    if current.publish_at is None or current.publish_at > now:
        return None
    if current.withdraw_at is not None and current.withdraw_at <= now:
        return Due.EXPIRE_SCHEDULE
    return Due.PUBLISH


def expire_schedule(current: Announcement) -> Announcement:
    return replace(current, publish_at=None, withdraw_at=None)
