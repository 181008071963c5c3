"""What the handover and report use cases need, built by the refund service's app."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from services.refund.deps import once
from services.refund.settings import RefundSettings
from shared.timestamps import utc_now
from shared.unit_of_work import UnitOfWork, unit_of_work


@dataclass
class Context:
    pool: asyncpg.Pool
    settings: RefundSettings
    source: str = "/kefu/refund"
    """The CloudEvents source of what this part publishes (the monthly due notices)."""
    clock: Callable[[], datetime] = field(default=utc_now)
    """Aware; tests move it to a month's due day."""

    def now(self) -> datetime:
        return self.clock()

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A use case's own transaction, with the outbox and the clock (read once: every
        record of one command carries the same instant)."""
        return unit_of_work(self.pool, once(self.clock()), self.source)
