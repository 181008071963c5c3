"""Topic → validated contract → handler. The consumer runtime owns inbox, parking and DLQ."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.voucher.deps import Deps
from services.voucher.handlers import ingest, reversal
from shared.contracts import (
    POINTS_REVERSAL_RESULT,
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
    PointsReversalResult,
    VoucherIssued,
    VoucherRedeemed,
)
from shared.messaging.consumer import Envelope, Subscription

ISSUED_BATCH = 1000
"""Exchanges stored per transaction under a backlog. Measured (bench.ingest, runs
interleaved 500/1000/500/1000 in one quarter hour): 7,859 and 8,259 events/s with 500,
9,181 and 9,321 with 1,000: the per-statement and per-commit work shared by twice the rows."""


def subscriptions(deps: Deps) -> list[Subscription[Any]]:
    async def on_issued(conn: asyncpg.Connection, env: Envelope[VoucherIssued]) -> None:
        await ingest.record_exchanges(deps.within(conn), [env.payload])

    async def on_issued_batch(
        conn: asyncpg.Connection, envs: list[Envelope[VoucherIssued]]
    ) -> None:
        # throughput: a whole batch in two statements and one transaction
        await ingest.record_exchanges(deps.within(conn), [e.payload for e in envs])

    async def on_redeemed(conn: asyncpg.Connection, env: Envelope[VoucherRedeemed]) -> None:
        await ingest.redeem_voucher(deps.within(conn), deps.pool, env.payload, env.meta.id)

    async def on_points_result(
        conn: asyncpg.Connection, env: Envelope[PointsReversalResult]
    ) -> None:
        await reversal.apply_points_result(deps.within(conn), env.payload)

    return [
        Subscription(
            VOUCHER_ISSUED,
            on_issued,
            "voucher.issued",
            batch_handler=on_issued_batch,
            consumers=2,  # the exchange platform's volume: parse one batch while one inserts;
            # these two read this topic alone, the others share one consumer
            batch_size=ISSUED_BATCH,
        ),
        Subscription(VOUCHER_REDEEMED, on_redeemed, "voucher.redeemed"),
        Subscription(
            POINTS_REVERSAL_RESULT,
            on_points_result,
            "voucher.points_result",
            # under load: the answers that arrived together in one transaction, each in
            # its own reversal's trace; one that fails is parked alone while its
            # batch-mates' sagas move on
            together=True,
        ),
    ]
