"""Announcements: draft, edit while not online, publish, withdraw, and the schedule sweep."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from shared.http import Actor
from shared.timers import TimerSweep

log = logging.getLogger(__name__)
SCHEDULE_ACTOR = "system:schedule"


async def create(deps: Deps, content: Content, actor: Actor) -> AnnouncementRecord:
    if (refused := rules.may_write(actor.roles)) is not None:
        raise refused
    checked = rules.draft(content, deps.clock())
    async with deps.unit() as uow:
        created = await store.insert(uow.conn, checked, actor.username)
        await store.record(uow.conn, created.announcement, "created", actor.username)
        return created


async def _change(
    deps: Deps,
    announcement_id: int,
    actor: Actor,
    action: Action,
    change: Callable[[Announcement, datetime], Announcement],
) -> AnnouncementRecord:
    async with deps.unit() as uow:
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
    deps: Deps, announcement_id: int, content: Content, actor: Actor
) -> AnnouncementRecord:
    return await _change(
        deps, announcement_id, actor, Action.EDIT, lambda a, now: rules.edit(a, content, now)
    )


async def publish(deps: Deps, announcement_id: int, actor: Actor) -> AnnouncementRecord:
    return await _change(deps, announcement_id, actor, Action.PUBLISH, rules.publish)


async def withdraw(deps: Deps, announcement_id: int, actor: Actor) -> AnnouncementRecord:
    return await _change(deps, announcement_id, actor, Action.WITHDRAW, rules.withdraw)


async def schedule(
    deps: Deps,
    announcement_id: int,
    publish_at: datetime | None,
    withdraw_at: datetime | None,
    actor: Actor,
) -> AnnouncementRecord:
    return await _change(
        deps,
        announcement_id,
        actor,
        Action.SCHEDULE,
        lambda a, now: rules.schedule(a, publish_at, withdraw_at, now),
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
