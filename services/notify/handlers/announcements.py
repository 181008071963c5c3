"""Announcements: draft, edit while not online, publish, withdraw, and the schedule sweep.

Each command takes the client's Idempotency-Key (scoped by ``shared.http``): a repeat of
the same command answers the announcement as it is and changes nothing (no second
draft, no second publication in its history); the same key with another content or
time is refused, 422 ``idempotency_key_reused``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from services.notify.deps import Deps
from services.notify.domain import announcements as rules
from services.notify.domain.announcements import (
    Action,
    Announcement,
    AnnouncementRecord,
    Content,
    Due,
)
from services.notify.domain.errors import AnnouncementNotFound
from services.notify.store import announcements as store
from services.notify.store import timers as due
from shared import idempotency
from shared.http import Actor
from shared.idempotency import Command
from shared.timers import TimerSweep
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
SCHEDULE_ACTOR = "system:schedule"


async def _repeated(
    uow: UnitOfWork, key: str | None, command: Command
) -> AnnouncementRecord | None:
    """The announcement as it is now when ``key`` already ran this command (it is not run
    again); None when the key is ours now, or there is none. Another command under the
    key is refused (422 ``idempotency_key_reused``)."""
    if key is None:
        return None
    prior = await idempotency.claim(uow.conn, key, command, command.target)
    if prior is None:
        return None
    stored = await store.get(uow.conn, int(prior.subject))
    assert stored is not None  # announcements are never deleted
    return stored


async def create(
    deps: Deps, content: Content, actor: Actor, key: str | None = None
) -> AnnouncementRecord:
    if (refused := rules.may_write(actor.roles)) is not None:
        raise refused
    checked = rules.draft(content, deps.clock())
    async with deps.unit() as uow:
        # the draft's id is known once it is inserted: the key is bound to it then
        command = Command("create", "announcement", _asked(content))
        if (again := await _repeated(uow, key, command)) is not None:
            return again
        created = await store.insert(uow.conn, checked, actor.username)
        await store.record(uow.conn, created.announcement, "created", actor.username)
        if key is not None:
            await idempotency.rebind(uow.conn, key, str(created.announcement.id))
        return created


def _asked(content: Content) -> dict[str, object]:
    return {
        "title": content.title,
        "body": content.body,
        "publish_at": content.publish_at,
        "withdraw_at": content.withdraw_at,
    }


async def _change(
    deps: Deps,
    announcement_id: int,
    actor: Actor,
    action: Action,
    change: Callable[[Announcement, datetime], Announcement],
    key: str | None,
    asked: Mapping[str, object] | None = None,
) -> AnnouncementRecord:
    """``asked``: what the client chose beside the action (the content, the times), which a
    repeated key must carry again."""
    async with deps.unit() as uow:
        command = Command(action.value, str(announcement_id), asked or {})
        if (again := await _repeated(uow, key, command)) is not None:
            return again
        current = await store.get_for_update(uow.conn, announcement_id)
        if current is None:
            raise AnnouncementNotFound(f"no announcement {announcement_id}")
        rules.check(action, current, actor.roles)  # the rule its button is offered by
        changed = change(current, uow.now())
        saved = await store.save(uow.conn, changed, actor.username)
        await store.record(uow.conn, changed, _RECORDED[action], actor.username)
        return saved


_RECORDED = {
    Action.EDIT: "edited",
    Action.PUBLISH: "published",
    Action.WITHDRAW: "withdrawn",
    Action.SCHEDULE: "scheduled",
}


async def edit(
    deps: Deps, announcement_id: int, content: Content, actor: Actor, key: str | None = None
) -> AnnouncementRecord:
    return await _change(
        deps,
        announcement_id,
        actor,
        Action.EDIT,
        lambda a, now: rules.edit(a, content, now),
        key,
        _asked(content),
    )


async def publish(
    deps: Deps, announcement_id: int, actor: Actor, key: str | None = None
) -> AnnouncementRecord:
    return await _change(deps, announcement_id, actor, Action.PUBLISH, rules.publish, key)


async def withdraw(
    deps: Deps, announcement_id: int, actor: Actor, key: str | None = None
) -> AnnouncementRecord:
    return await _change(deps, announcement_id, actor, Action.WITHDRAW, rules.withdraw, key)


async def schedule(
    deps: Deps,
    announcement_id: int,
    publish_at: datetime | None,
    withdraw_at: datetime | None,
    actor: Actor,
    key: str | None = None,
) -> AnnouncementRecord:
    return await _change(
        deps,
        announcement_id,
        actor,
        Action.SCHEDULE,
        lambda a, now: rules.schedule(a, publish_at, withdraw_at, now),
        key,
        {"publish_at": publish_at, "withdraw_at": withdraw_at},
    )


async def sweep(deps: Deps) -> int:
    """Apply every due schedule once; returns how many announcements changed."""
    changed = 0
    async with deps.unit() as uow:
        for current in await store.claim_due(uow.conn):
            now = uow.now()
            match rules.due(current, now):
                case Due.PUBLISH:
                    after, action = rules.publish(current, now), "published"
                case Due.WITHDRAW:
                    after, action = rules.withdraw(current, now), "withdrawn"
                case Due.EXPIRE_SCHEDULE:
                    after, action = rules.expire_schedule(current), "schedule_expired"
                case None:
                    continue
            await store.save(uow.conn, after, SCHEDULE_ACTOR)
            await store.record(uow.conn, after, action, SCHEDULE_ACTOR)
            log.info(
                "announcement schedule applied",
                extra={"fields": {"announcement_id": current.id, "action": action}},
            )
            changed += 1
    return changed


async def run_schedule(deps: Deps) -> None:
    """The durable timer: schedule times live in the table; this sleeps until the next one
    is due, woken when one is set (shared.timers), at most the backstop setting."""
    timers = TimerSweep(
        deps.pool,
        "announcement schedule",
        lambda: sweep(deps),
        due.seconds_to_next_due,
        channel=due.CHANNEL,
        backstop=deps.settings.announcement_sweep_seconds,
    )
    await timers.run()
