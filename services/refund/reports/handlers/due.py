"""The durable monthly timer: tell each department its refund statistics are due.

The month and due day come from the injected clock in the business's time zone; the
notice is recorded with its messages in one transaction, so it goes once per month
and department across restarts and replicas. Between checks the loop sleeps until the
next due day begins: only the calendar makes a notice due, so no table's write could
wake it sooner (a test that moves the clock does, shared.timers).
"""

from __future__ import annotations

import logging
from datetime import datetime, time

import asyncpg

from services.refund.reports.deps import Context
from services.refund.reports.domain import due
from services.refund.reports.store import notices
from shared.contracts import NOTIFY_INAPP_REQUESTED, InappRequested
from shared.timers import TimerSweep

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
    async def next_due_day(_conn: asyncpg.Connection) -> datetime:
        tz = ctx.settings.tz
        return datetime.combine(due.next_due_day(ctx.now().astimezone(tz).date()), time(), tz)

    await TimerSweep.by_clock(
        ctx.pool,
        "monthly report notices",
        lambda: notify_due(ctx),
        next_due_day,
        clock=ctx.clock,
        channel=None,
        backstop=ctx.settings.refund_report_check_seconds,
    ).run()
