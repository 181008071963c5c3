"""Announcements: draft → online ⇄ offline, edit only while not online, a schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notify.domain import announcements as rules
from services.notify.domain.announcements import (
    Announcement,
    AnnouncementStatus,
    Content,
    Due,
)
from services.notify.domain.errors import (
    AnnouncementNotOnline,
    AnnouncementOnline,
    InvalidAnnouncement,
    InvalidSchedule,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def announcement(
    status: AnnouncementStatus = AnnouncementStatus.DRAFT, **kw: object
) -> Announcement:
    fields: dict[str, object] = {
        "id": 7,
        "title": "系统维护",
        "body": "今晚22:00至23:00系统维护，暂停租车。",
        "status": status,
        "publish_at": None,
        "withdraw_at": None,
    }
    fields.update(kw)
    return Announcement(**fields)  # type: ignore[arg-type]


def test_a_draft_needs_a_title_and_body_and_is_trimmed() -> None:
    assert rules.draft(Content("  通知 ", " 正文 "), NOW) == Content("通知", "正文")
    with pytest.raises(InvalidAnnouncement):
        rules.draft(Content(" ", "正文"), NOW)
    with pytest.raises(InvalidAnnouncement):
        rules.draft(Content("通知", "x" * 2001), NOW)


def test_edit_only_while_not_online() -> None:
    new = Content("车辆暂停使用", "部分站点车辆暂停使用。")
    for status in (AnnouncementStatus.DRAFT, AnnouncementStatus.OFFLINE):
        edited = rules.edit(announcement(status), new, NOW)
        assert (edited.title, edited.status) == ("车辆暂停使用", status)
    with pytest.raises(AnnouncementOnline) as caught:
        rules.edit(announcement(AnnouncementStatus.ONLINE), new, NOW)
    assert caught.value.code == "announcement_online" and caught.value.status == 409


def test_publish_and_withdraw_and_publish_again() -> None:
    online = rules.publish(announcement(publish_at=NOW + HOUR), NOW)
    assert online.status is AnnouncementStatus.ONLINE and online.published_at == NOW
    assert online.publish_at is None  # published by hand: the schedule does not fire again
    with pytest.raises(AnnouncementOnline):
        rules.publish(online, NOW)
    offline = rules.withdraw(online, NOW + HOUR)
    assert offline.status is AnnouncementStatus.OFFLINE and offline.withdrawn_at == NOW + HOUR
    with pytest.raises(AnnouncementNotOnline) as caught:
        rules.withdraw(offline, NOW)
    assert caught.value.code == "announcement_not_online"
    with pytest.raises(AnnouncementNotOnline):
        rules.withdraw(announcement(), NOW)
    assert rules.publish(offline, NOW + 2 * HOUR).status is AnnouncementStatus.ONLINE


def test_publishing_keeps_a_future_withdraw_time_and_drops_a_past_one() -> None:
    keep = rules.publish(announcement(withdraw_at=NOW + HOUR), NOW)
    assert keep.withdraw_at == NOW + HOUR
    drop = rules.publish(announcement(withdraw_at=NOW - HOUR), NOW)
    assert drop.withdraw_at is None


@pytest.mark.parametrize(
    ("publish_at", "withdraw_at"),
    [
        (NOW + 2 * HOUR, NOW + HOUR),  # withdrawn before published
        (None, NOW - HOUR),  # withdraw time already past
        (datetime(2026, 3, 1, 13, 0), None),  # no time zone  # noqa: DTZ001
    ],
)
def test_a_schedule_must_make_sense(
    publish_at: datetime | None, withdraw_at: datetime | None
) -> None:
    with pytest.raises(InvalidSchedule):
        rules.draft(Content("t", "b", publish_at, withdraw_at), NOW)


def test_what_the_schedule_asks_for() -> None:
    draft = AnnouncementStatus.DRAFT
    online = AnnouncementStatus.ONLINE
    assert rules.due(announcement(draft), NOW) is None
    assert rules.due(announcement(draft, publish_at=NOW + HOUR), NOW) is None
    assert rules.due(announcement(draft, publish_at=NOW), NOW) is Due.PUBLISH
    assert (
        rules.due(announcement(draft, publish_at=NOW - 2 * HOUR, withdraw_at=NOW - HOUR), NOW)
        is Due.EXPIRE_SCHEDULE
    )
    assert rules.due(announcement(online, withdraw_at=NOW + HOUR), NOW) is None
    assert rules.due(announcement(online, withdraw_at=NOW), NOW) is Due.WITHDRAW
    assert rules.due(announcement(online, publish_at=NOW), NOW) is None
    expired = rules.expire_schedule(announcement(draft, publish_at=NOW, withdraw_at=NOW))
    assert (expired.publish_at, expired.withdraw_at, expired.status) == (None, None, draft)


OPS = frozenset({"ops_supervisor"})
A = rules.Action


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (AnnouncementStatus.DRAFT, [A.EDIT, A.PUBLISH, A.SCHEDULE]),
        (AnnouncementStatus.ONLINE, [A.WITHDRAW, A.SCHEDULE]),
        (AnnouncementStatus.OFFLINE, [A.EDIT, A.PUBLISH, A.SCHEDULE]),
    ],
)
def test_the_buttons_are_the_commands_the_rule_accepts(status, offered) -> None:
    current = announcement(status)
    assert rules.actions(current, OPS) == offered
    for action in A:
        refused = rules.refusal(action, current, OPS)
        assert (refused is None) is (action in offered)


@pytest.mark.parametrize("roles", [set(), {"agent"}, {"duty_lead"}, {"admin", "cashier"}])
def test_no_buttons_and_403_for_roles_that_do_not_write_announcements(roles) -> None:
    for status in AnnouncementStatus:
        current = announcement(status)
        assert rules.actions(current, frozenset(roles)) == []
        for action in A:
            refused = rules.refusal(action, current, frozenset(roles))
            assert refused is not None and (refused.status, refused.code) == (403, "role_required")


def test_a_schedule_online_sets_only_when_it_goes_offline() -> None:
    online = announcement(AnnouncementStatus.ONLINE)
    assert rules.schedule(online, None, NOW + HOUR, NOW).withdraw_at == NOW + HOUR
    with pytest.raises(AnnouncementOnline):
        rules.schedule(online, NOW + HOUR, None, NOW)
    draft = rules.schedule(announcement(), NOW + HOUR, NOW + 2 * HOUR, NOW)
    assert (draft.publish_at, draft.withdraw_at) == (NOW + HOUR, NOW + 2 * HOUR)
    assert rules.schedule(draft, None, None, NOW).publish_at is None
    with pytest.raises(InvalidSchedule):
        rules.schedule(draft, NOW + HOUR, NOW - HOUR, NOW)
