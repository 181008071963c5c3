"""Operations (a void or a reversal command), their records, and what a command answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.voucher.domain.model import Failure, OperationStatus, OperationType


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Operation:
    """A void of one voucher (``code``) or the reversal of a whole order, as it stands."""

    operation_id: UUID
    type: OperationType
    merchant_order_no: str
    code: str | None
    status: OperationStatus
    failure: Failure | None
    reason: str
    operator: str
    attempt: int
    """1, then one more per retry."""
    traceparent: str | None
    """The trace of the request that started (or last retried) it; a sweep continues it."""
    created_at: datetime
    updated_at: datetime

    @property
    def outcome(self) -> Outcome:
        return Outcome(
            self.operation_id,
            self.type,
            self.status,
            self.failure,
            self.merchant_order_no,
            self.code,
        )


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """One voucher's line in the operation records (操作记录) for one attempt; append-only."""

    operation_no: int
    operation_id: UUID
    code: str
    type: OperationType
    result: OperationStatus
    failure: Failure | None
    reason: str
    operator: str
    attempt: int
    trace_id: str | None
    at: datetime
