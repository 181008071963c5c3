"""An operation (a void or a reversal command) as a command answers it."""

from __future__ import annotations

from dataclasses import dataclass
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
