"""What the refund service tells people: it asks the notify service, never sends itself.

Every message has a dedupe key derived from the form (or refund) and the event,
so re-publishing (a retry, a relay sending twice) tells nobody twice.
"""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    InappRequested,
    SmsRequested,
)
from shared.messaging.outbox import enqueue

BY = "refund"


def yuan(cents: int) -> str:
    """``12345`` → ``123.45``: how amounts read in messages."""
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


async def tell_staff(
    conn: asyncpg.Connection,
    source: str,
    *,
    username: str,
    template_id: str,
    params: dict[str, str | int],
    dedupe_key: str,
) -> None:
    message = InappRequested(
        recipient=username,
        recipient_kind="staff",
        template_id=template_id,
        params=params,
        dedupe_key=dedupe_key,
        requested_by=BY,
    )
    await enqueue(conn, NOTIFY_INAPP_REQUESTED, message, source=source)


async def text_customer(
    conn: asyncpg.Connection,
    source: str,
    *,
    phone: str,
    template_id: str,
    params: dict[str, str | int],
    dedupe_key: str,
) -> None:
    message = SmsRequested(
        phone=phone, template_id=template_id, params=params, dedupe_key=dedupe_key, requested_by=BY
    )
    await enqueue(conn, NOTIFY_SMS_REQUESTED, message, source=source)
