"""Front-page announcements (前台公告栏): draft → online ⇄ offline.

The seed's rules: only an announcement that is not online may be edited; putting
one online shows it to every user at once. A schedule may put it online at
``publish_at`` and take it offline at ``withdraw_at``; each fires once (it is
cleared when it fires, or when an agent acts first). Operations supervisors write,
publish, withdraw and schedule them (DOMAIN.md roles); :func:`refusal` is the one
rule that both refuses a command and leaves its button out.
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
    RoleRequired,
)
from shared.errors import DomainError

MAX_TITLE = 100
MAX_BODY = 2000
EDITORS = frozenset({"ops_supervisor"})
"""Who writes, publishes, withdraws and schedules announcements (DOMAIN.md roles)."""


class AnnouncementStatus(StrEnum):
    DRAFT = "draft"
    ONLINE = "online"
    OFFLINE = "offline"


class Action(StrEnum):
    """A command on one announcement, and the button it shows as."""

    EDIT = "edit"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    SCHEDULE = "schedule"
    """Set or clear when it goes online and offline; online, only when it goes offline."""


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


@dataclass(frozen=True)
class AnnouncementRecord:
    """An announcement as stored: its state, and who wrote and last changed it when."""

    announcement: Announcement
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """What one action did to an announcement (append-only)."""

    action: str
    actor: str
    at: datetime
    title: str
    body: str


def may_write(roles: frozenset[str]) -> DomainError | None:
    if roles & EDITORS:
        return None
    return RoleRequired("announcements are written and published by operations supervisors")


def refusal(action: Action, current: Announcement, roles: frozenset[str]) -> DomainError | None:
    """Why ``action`` would be refused on ``current`` for someone with ``roles``; None if not."""
    return may_write(roles) or _state_refusal(action, current)


def _state_refusal(action: Action, current: Announcement) -> DomainError | None:
    online = current.status is AnnouncementStatus.ONLINE
    if action is Action.EDIT and online:
        return AnnouncementOnline(
            f"announcement {current.id} is online: take it offline before editing it"
        )
    if action is Action.PUBLISH and online:
        return AnnouncementOnline(f"announcement {current.id} is already online")
    if action is Action.WITHDRAW and not online:
        return AnnouncementNotOnline(f"announcement {current.id} is not online")
    return None


def _check_state(action: Action, current: Announcement) -> None:
    if (refused := _state_refusal(action, current)) is not None:
        raise refused


def check(action: Action, current: Announcement, roles: frozenset[str]) -> None:
    if (refused := refusal(action, current, roles)) is not None:
        raise refused


def actions(current: Announcement, roles: frozenset[str]) -> list[Action]:
    """The buttons it shows to someone with ``roles``: the commands that would be accepted."""
    return [a for a in Action if refusal(a, current, roles) is None]


def _check_times(publish_at: datetime | None, withdraw_at: datetime | None, now: datetime) -> None:
    for at in (publish_at, withdraw_at):
        if at is not None and at.tzinfo is None:
            raise InvalidSchedule("schedule times need a time zone")
    if withdraw_at is not None and withdraw_at <= now:
        raise InvalidSchedule("withdraw_at is in the past")
    if publish_at is not None and withdraw_at is not None and withdraw_at <= publish_at:
        raise InvalidSchedule("withdraw_at must come after publish_at")


def check_content(content: Content, now: datetime) -> Content:
    title, body = content.title.strip(), content.body.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidAnnouncement(f"a title is 1 to {MAX_TITLE} characters")
    if not 1 <= len(body) <= MAX_BODY:
        raise InvalidAnnouncement(f"a body is 1 to {MAX_BODY} characters")
    _check_times(content.publish_at, content.withdraw_at, now)
    return replace(content, title=title, body=body)


def draft(content: Content, now: datetime) -> Content:
    return check_content(content, now)


def edit(current: Announcement, content: Content, now: datetime) -> Announcement:
    _check_state(Action.EDIT, current)
    checked = check_content(content, now)
    return replace(
        current,
        title=checked.title,
        body=checked.body,
        publish_at=checked.publish_at,
        withdraw_at=checked.withdraw_at,
    )


def publish(current: Announcement, now: datetime) -> Announcement:
    _check_state(Action.PUBLISH, current)
    withdraw_at = current.withdraw_at if current.withdraw_at and current.withdraw_at > now else None
    return replace(
        current,
        status=AnnouncementStatus.ONLINE,
        publish_at=None,
        withdraw_at=withdraw_at,
        published_at=now,
    )


def withdraw(current: Announcement, now: datetime) -> Announcement:
    _check_state(Action.WITHDRAW, current)
    return replace(current, status=AnnouncementStatus.OFFLINE, withdraw_at=None, withdrawn_at=now)


def schedule(
    current: Announcement, publish_at: datetime | None, withdraw_at: datetime | None, now: datetime
) -> Announcement:
    """Set (or, with neither time, clear) when it goes online and offline."""
    if current.status is AnnouncementStatus.ONLINE and publish_at is not None:
        raise AnnouncementOnline(
            f"announcement {current.id} is online: only when it goes offline can be scheduled"
        )
    _check_times(publish_at, withdraw_at, now)
    return replace(current, publish_at=publish_at, withdraw_at=withdraw_at)


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
