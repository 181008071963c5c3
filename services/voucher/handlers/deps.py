"""What the use cases need from the outside, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from uuid import UUID

import asyncpg

from services.voucher.adapters.issuer import LotteryIssuer
from services.voucher.domain.errors import OperationNotFound
from services.voucher.domain.expiry import business_day
from services.voucher.domain.model import Failure, OperationStatus, OperationType
from services.voucher.waiters import OperationWaiters
from shared.admission import Admission
from shared.settings import Settings

LEASE_SECONDS = 30.0
"""How long a driver may go silent before the timer sweep assumes it died and takes over."""


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    pool: asyncpg.Pool
    issuer: LotteryIssuer
    settings: Settings
    waiters: OperationWaiters
    source: str = "/kefu/voucher"
    """The CloudEvents source of what this service publishes."""
    lease_seconds: float = LEASE_SECONDS
    clock: Callable[[], datetime] = field(default=wall_clock)
    """The current time, aware; tests pass a fixed one to move "today"."""
    admission: Admission | None = None
    """Bounds the commands (void, reversal, retry) in flight; None: the setting's bound."""

    def __post_init__(self) -> None:
        if self.admission is None:
            self.admission = Admission(
                "voucher commands",
                self.settings.voucher_commands_in_flight,
                self.settings.voucher_commands_queued,
            )

    @property
    def commands(self) -> Admission:
        assert self.admission is not None
        return self.admission

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Validity dates end at midnight in the business's time zone, not UTC."""
        return business_day(self.clock(), self.settings.tz)


@dataclass(frozen=True)
class Outcome:
    """Where an operation stands: what a command answers."""

    operation_id: UUID
    type: OperationType
    status: OperationStatus
    failure: Failure | None
    merchant_order_no: str
    code: str | None

    @property
    def finished(self) -> bool:
        return self.status is not OperationStatus.PENDING

    @classmethod
    def of(cls, row: asyncpg.Record) -> Outcome:
        return cls(
            operation_id=row["operation_id"],
            type=OperationType(row["type"]),
            status=OperationStatus(row["status"]),
            failure=Failure(row["failure"]) if row["failure"] else None,
            merchant_order_no=row["merchant_order_no"],
            code=row["code"],
        )


async def outcome_of(conn: asyncpg.Connection | asyncpg.Pool, operation_id: UUID) -> Outcome:
    row = await conn.fetchrow("SELECT * FROM operations WHERE operation_id = $1", operation_id)
    if row is None:
        raise OperationNotFound(f"no operation {operation_id}")
    return Outcome.of(row)
