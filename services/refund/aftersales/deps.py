"""What the after-sales use cases need, built by the refund service's app."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg

from services.refund.aftersales.domain.tickets import TimeLimits
from services.refund.deps import once
from services.refund.settings import RefundSettings
from shared.timestamps import utc_now
from shared.unit_of_work import UnitOfWork, unit_of_work


@dataclass
class Context:
    pool: asyncpg.Pool
    settings: RefundSettings
    source: str = "/kefu/refund"
    clock: Callable[[], datetime] = field(default=utc_now)
    """Aware; tests move it past the 48 hours."""

    def now(self) -> datetime:
        return self.clock()

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A use case's own transaction, with the outbox and the clock (read once: every
        record of one command carries the same instant)."""
        return unit_of_work(self.pool, once(self.clock()), self.source)

    @property
    def limits(self) -> TimeLimits:
        s = self.settings
        return TimeLimits(
            auto_approve_after=timedelta(hours=s.aftersales_auto_approve_hours),
            remind_review_after=timedelta(hours=s.aftersales_review_reminder_hours),
            receipt_within=timedelta(hours=s.aftersales_receipt_hours),
            processing_within=timedelta(hours=s.aftersales_processing_hours),
        )
