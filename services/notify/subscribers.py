"""Topic → validated contract → handler."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.notify.deps import Deps
from services.notify.handlers import inapp, sms
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    InappRequested,
    SmsRequested,
)
from shared.messaging.consumer import Envelope, Subscription, Unsettled


def subscriptions(deps: Deps) -> list[Subscription[Any]]:
    async def on_sms_requested(conn: asyncpg.Connection, env: Envelope[SmsRequested]) -> None:
        await sms.send_sms(deps.within(conn), deps, env.payload)

    async def on_sms_batch(
        conn: asyncpg.Connection, envs: list[Envelope[SmsRequested]]
    ) -> list[Unsettled[SmsRequested]]:
        unsettled = await sms.send_sms_batch(deps.within(conn), deps, [e.payload for e in envs])
        return [
            Unsettled(e, unsettled[e.payload.dedupe_key])
            for e in envs
            if e.payload.dedupe_key in unsettled
        ]

    async def on_inapp_requested(conn: asyncpg.Connection, env: Envelope[InappRequested]) -> None:
        await inapp.deliver(deps.within(conn), [env.payload])

    async def on_inapp_batch(
        conn: asyncpg.Connection, envs: list[Envelope[InappRequested]]
    ) -> None:
        await inapp.deliver(deps.within(conn), [e.payload for e in envs])

    return [
        Subscription(
            NOTIFY_SMS_REQUESTED,
            on_sms_requested,
            name="notify.sms_requested",
            batch_handler=on_sms_batch,
        ),
        Subscription(
            NOTIFY_INAPP_REQUESTED,
            on_inapp_requested,
            name="notify.inapp_requested",
            batch_handler=on_inapp_batch,
        ),
    ]
