"""What the handover and report use cases need, built by the refund service's app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from services.refund.settings import RefundSettings
from shared.timestamps import utc_now
from shared.unit_of_work import OpensUnitsOfWork


@dataclass
class Context(OpensUnitsOfWork):
    pool: asyncpg.Pool
    settings: RefundSettings
    source: str = "/kefu/refund"
    """The CloudEvents source of what this part publishes (the monthly due notices)."""
    clock: Callable[[], datetime] = field(default=utc_now)
    """Aware; tests move it to a month's due day."""
    clock_read_once = True  # every record of one command carries the same instant

    def now(self) -> datetime:
        return self.clock()
