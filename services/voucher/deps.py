"""What the use cases need from the outside, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import asyncpg

from services.voucher.adapters.issuer import LotteryIssuer
from services.voucher.domain.expiry import business_day
from services.voucher.settings import VoucherSettings
from services.voucher.store.waiters import OperationWaiters
from shared.admission import Admission
from shared.group_commit import GroupCommit
from shared.timestamps import utc_now
from shared.unit_of_work import OpensUnitsOfWork

LEASE_SECONDS = 30.0
"""How long a driver may go silent before the timer sweep assumes it died and takes over."""


@dataclass
class Deps(OpensUnitsOfWork):
    pool: asyncpg.Pool
    issuer: LotteryIssuer
    settings: VoucherSettings
    waiters: OperationWaiters
    source: str = "/kefu/voucher"
    """The CloudEvents source of what this service publishes."""
    lease_seconds: float = LEASE_SECONDS
    clock: Callable[[], datetime] = field(default=utc_now)
    """The current time, aware; tests pass a fixed one to move "today"."""
    admission: Admission | None = None
    """Bounds the commands (void, reversal, retry) in flight; None: the setting's bound."""
    group_commit: GroupCommit | None = None
    """Where the reversal's steps commit together; None: one on this pool."""

    def __post_init__(self) -> None:
        if self.group_commit is None:
            self.group_commit = GroupCommit(self.pool, self.clock, self.source)
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

    @property
    def steps(self) -> GroupCommit:
        """Runs a command's step (a reversal's start and its voids, a void) in the next shared
        transaction (group commit)."""
        assert self.group_commit is not None
        return self.group_commit

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Validity dates end at midnight in the business's time zone, not UTC."""
        return business_day(self.clock(), self.settings.tz)
