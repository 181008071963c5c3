"""The durable monthly timer: tell each department its refund statistics are due.

The month and due day come from the injected clock in the business's time zone; the
notice is recorded with its messages in one transaction, so it goes once per month
and department across restarts and replicas.
"""

from __future__ import annotations

import asyncio
import logging

from services.refund.reports.deps import Context
from services.refund.reports.domain import due
from services.refund.reports.store import notices
from shared.contracts import NOTIFY_INAPP_REQUESTED, InappRequested

log = logging.getLogger(__name__)
TEMPLATE = "refund_monthly_report_due"


def _staff(csv: str) -> list[str]:
    return [n.strip() for n in csv.split(",") if n.strip()]


async def notify_due(ctx: Context) -> int:
    """Send this month's notices not sent yet; how many departments were told now."""
    today = ctx.now().astimezone(ctx.settings.tz).date()
    month = due.month_due(today)
    if month is None:
        return 0
    staff = {
        "service": _staff(ctx.settings.refund_report_service_staff),
        "finance": _staff(ctx.settings.refund_report_finance_staff),
    }
    told = 0
    for department, recipients in staff.items():
        async with ctx.unit() as uow:
            if not await notices.claim(
                uow.conn, month, department, due.due_on(month), recipients, uow.now()
            ):
                continue
            for recipient in recipients:
                await uow.publish(
                    NOTIFY_INAPP_REQUESTED,
                    InappRequested(
                        recipient=recipient,
                        recipient_kind="staff",
                        template_id=TEMPLATE,
                        params={
                            "month": f"{month:%Y-%m}",
                            "department": due.DEPARTMENT_WORDS[department],
                            "due_on": due.due_on(month).isoformat(),
                        },
                        dedupe_key=due.notice_key(month, department, recipient),
                        requested_by="refund",
                    ),
                )
            told += 1
    return told


async def run_notices(ctx: Context) -> None:
    while True:
        try:
            await notify_due(ctx)
        except Exception:
            log.exception("monthly report notice failed; trying again")
        await asyncio.sleep(ctx.settings.refund_report_check_seconds)
