"""The accounts' topics → validated contract → handler (gathered by ``subscribers.py``)."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.handlers import payments, refunds
from shared.contracts import (
    REFUND_COMPLETED,
    REFUND_REJECTED,
    RENTAL_PAYMENT_RECEIVED,
    PaymentReceived,
    RefundCompleted,
    RefundRejected,
)
from shared.messaging.consumer import Envelope, Subscription


def account_subscriptions(deps: AccountDeps) -> list[Subscription[Any]]:
    async def on_payment(conn: asyncpg.Connection, env: Envelope[PaymentReceived]) -> None:
        await payments.record_payment(deps.within(conn), env.payload)

    async def on_payments(conn: asyncpg.Connection, envs: list[Envelope[PaymentReceived]]) -> None:
        await payments.record_payments(deps.within(conn), [e.payload for e in envs])

    async def on_completed(conn: asyncpg.Connection, env: Envelope[RefundCompleted]) -> None:
        await refunds.refund_completed(deps.within(conn), env.payload)

    async def on_rejected(conn: asyncpg.Connection, env: Envelope[RefundRejected]) -> None:
        await refunds.refund_rejected(deps.within(conn), env.payload)

    return [
        Subscription(
            RENTAL_PAYMENT_RECEIVED,
            on_payment,
            name="rental.payment_received",
            batch_handler=on_payments,
        ),
        Subscription(REFUND_COMPLETED, on_completed, name="rental.refund_completed"),
        Subscription(REFUND_REJECTED, on_rejected, name="rental.refund_rejected"),
    ]
