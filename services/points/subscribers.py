"""Topic → validated contract → handler."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg

from services.points.deps import Deps
from services.points.domain.refunds import RefundRequest
from services.points.handlers import refunds
from shared.contracts import POINTS_REVERSAL_REQUESTED, PointsReversalRequested
from shared.messaging.consumer import DATABASE_AWAY, Envelope, Subscription, Unsettled
from shared.telemetry import continuing


def refund_request_of(
    env: Envelope[PointsReversalRequested], now: Callable[[], datetime]
) -> RefundRequest:
    msg = env.payload
    return RefundRequest(
        refund_id=msg.refund_id,
        merchant_order_no=msg.merchant_order_no,
        user_id=msg.user_id,
        points=msg.points,
        reason=msg.reason,
        requested_by=msg.requested_by,
        attempt=msg.attempt,
        requested_at=now(),
    )


def _refund_id(request: PointsReversalRequested) -> str:
    return request.refund_id


def subscriptions(deps: Deps) -> list[Subscription[Any]]:
    async def refund(conn: asyncpg.Connection, env: Envelope[PointsReversalRequested]) -> None:
        request = refund_request_of(env, deps.clock)
        await refunds.refund_points(deps.within(conn), request, deps.provider)

    async def on_reversal_requests(
        conn: asyncpg.Connection, envs: list[Envelope[PointsReversalRequested]]
    ) -> list[Unsettled[PointsReversalRequested]]:
        # Requests that arrived together share one transaction and its few statements
        # (their refunds locked, read and written at once), each settled in its own trace:
        # one that fails wrote nothing and is parked alone, and the provider is not asked
        # again for its batch-mates (it would answer "applied", but a call is a call).
        # the refund ids were locked with the batch's inbox claim (``lock_key``)
        batch = await refunds.RefundBatch.open(
            deps.within(conn), [env.payload.refund_id for env in envs], locked=True
        )
        unsettled: list[Unsettled[PointsReversalRequested]] = []
        for env in envs:
            with continuing(env.meta.traceparent, "points refund request"):
                try:
                    await batch.refund(refund_request_of(env, deps.clock), deps.provider)
                except DATABASE_AWAY:
                    raise
                except Exception as exc:
                    unsettled.append(Unsettled(env, exc))
        await batch.save()
        return unsettled

    return [
        Subscription(
            POINTS_REVERSAL_REQUESTED,
            refund,
            name="points.reversal_requested",
            batch_handler=on_reversal_requests,
            lock_key=_refund_id,
        )
    ]
