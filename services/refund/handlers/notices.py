"""What the refund service tells people: it asks the notify service, never sends itself.

Every message has a dedupe key derived from the form (or refund) and the event,
so re-publishing (a retry, a relay sending twice) tells nobody twice.
"""

from __future__ import annotations

from decimal import Decimal

from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    InappRequested,
    SmsRequested,
)
from shared.unit_of_work import UnitOfWork

BY = "refund"


def yuan(cents: int) -> str:
    """``12345`` → ``123.45``: how amounts read in messages."""
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


async def tell_staff(
    uow: UnitOfWork,
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
    await uow.publish(NOTIFY_INAPP_REQUESTED, message)


async def text_customer(
    uow: UnitOfWork,
    *,
    phone: str,
    template_id: str,
    params: dict[str, str | int],
    dedupe_key: str,
) -> None:
    message = SmsRequested(
        phone=phone, template_id=template_id, params=params, dedupe_key=dedupe_key, requested_by=BY
    )
    await uow.publish(NOTIFY_SMS_REQUESTED, message)
