"""Issue 18 point 1's unit of work, shown in notify: a use case's changes and the messages
it publishes commit together, or neither does. The in-app handler runs in one here,
opened by the service's deps as a command's would be, and what it published reaches its
consumer (the same service) through the outbox, the relay and Kafka."""

from __future__ import annotations

import contextlib

import pytest

from services.notify.handlers import inapp
from shared.contracts import NOTIFY_INAPP_REQUESTED, InappRequested
from tests.infra import eventually
from tests.integration.notify.conftest import Notify, key

pytestmark = pytest.mark.integration


def notice(dedupe_key: str) -> InappRequested:
    return InappRequested(
        recipient="u-unit-of-work", dedupe_key=dedupe_key, text="hi", requested_by="tests"
    )


async def inbox_has(notify: Notify, dedupe_key: str) -> bool:
    found = await notify.pool.fetchval(
        "SELECT count(*) FROM inbox_messages WHERE dedupe_key = $1", dedupe_key
    )
    return bool(found)


async def in_outbox(notify: Notify, ce_id: str) -> bool:
    return bool(
        await notify.pool.fetchval("SELECT count(*) FROM outbox WHERE ce_id = $1::uuid", ce_id)
    )


async def test_a_unit_of_work_commits_its_changes_and_its_messages_together(
    notify: Notify,
) -> None:
    deps = notify.app.state.deps
    delivered, published = key("uow-delivered"), key("uow-published")
    async with deps.unit() as uow:
        await inapp.deliver(uow, [notice(delivered)])
        ce_id = await uow.publish(NOTIFY_INAPP_REQUESTED, notice(published))
    assert await inbox_has(notify, delivered) and await in_outbox(notify, ce_id)

    async def consumed() -> bool:
        return await inbox_has(notify, published)

    await eventually(consumed, what="the published notice, through Kafka, in its inbox")


async def test_a_unit_of_work_that_fails_leaves_neither(notify: Notify) -> None:
    deps = notify.app.state.deps
    delivered, published = key("uow-undone"), key("uow-unsent")
    ce_id = ""
    with contextlib.suppress(RuntimeError):
        async with deps.unit() as uow:
            await inapp.deliver(uow, [notice(delivered)])
            ce_id = await uow.publish(NOTIFY_INAPP_REQUESTED, notice(published))
            raise RuntimeError("the use case fails after both")
    assert ce_id and not await in_outbox(notify, ce_id)
    assert not await inbox_has(notify, delivered)
