"""What the after-sales use cases need, built by the refund service's app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg

from services.refund.aftersales.domain.tickets import TimeLimits
from services.refund.settings import RefundSettings
from shared.timestamps import utc_now
from shared.unit_of_work import OpensUnitsOfWork


@dataclass
class Context(OpensUnitsOfWork):
    pool: asyncpg.Pool
    settings: RefundSettings
    source: str = "/kefu/refund"
    clock: Callable[[], datetime] = field(default=utc_now)
    """Aware; tests move it past the 48 hours."""
    clock_read_once = True  # every record of one command carries the same instant

    def now(self) -> datetime:
        return self.clock()

    @property
    def limits(self) -> TimeLimits:
        s = self.settings
        return TimeLimits(
            auto_approve_after=timedelta(hours=s.aftersales_auto_approve_hours),
            remind_review_after=timedelta(hours=s.aftersales_review_reminder_hours),
            receipt_within=timedelta(hours=s.aftersales_receipt_hours),
            processing_within=timedelta(hours=s.aftersales_processing_hours),
        )
