"""Topic → validated contract → handler. The consumer runtime owns inbox, parking and DLQ."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.refund.deps import Deps
from services.refund.handlers import requested
from shared.contracts import REFUND_REQUESTED, RefundRequested
from shared.messaging.consumer import Envelope, Subscription


def subscriptions(deps: Deps) -> list[Subscription[Any]]:
    async def on_refund_requested(conn: asyncpg.Connection, env: Envelope[RefundRequested]) -> None:
        await requested.receive(deps.within(conn), env.payload)

    return [Subscription(REFUND_REQUESTED, on_refund_requested, "refund.refund_requested")]
