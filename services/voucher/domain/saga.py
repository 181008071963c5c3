"""The order reversal saga as a pure state machine.

    voiding ──all voided──▶ refund_requested ──points refunded──▶ succeeded
       │                        │   ▲  └─no answer in time: ask again (same refund id)
       │                        │   └────────────── resume ─────┐
       ├─issuer refused──▶ failed(void_failed) ──resume──▶ voiding (skips what it voided)
       └─voucher redeemed─▶ failed(voucher_used)      failed(points_refund_failed)
                                                       ▲ refund refused

Every transition returns a :class:`Transition` (the history row) and never
mutates; the handler persists the new saga and its history in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.voucher.domain.errors import NotRetryable
from services.voucher.domain.model import Failure, OperationStatus


class SagaState(StrEnum):
    VOIDING = "voiding"
    REFUND_REQUESTED = "refund_requested"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class InvalidTransition(Exception):
    """A transition asked of a saga in a state that does not allow it: a bug, not bad input."""


RESUMABLE = frozenset({Failure.VOID_FAILED, Failure.POINTS_REFUND_FAILED})
"""A used voucher never becomes available again, so that failure is final."""


@dataclass(frozen=True)
class ReversalSaga:
    saga_id: UUID
    merchant_order_no: str
    state: SagaState
    failure: Failure | None = None
    attempt: int = 1
    """The agent's tries: 1, then one more per resume."""
    refund_attempt: int = 0
    """Refund requests published: grows on resume and when an answer is overdue."""

    @classmethod
    def start(cls, saga_id: UUID, merchant_order_no: str) -> Transition:
        saga = cls(saga_id, merchant_order_no, SagaState.VOIDING)
        return Transition("started", None, saga)

    @property
    def refund_id(self) -> str:
        """The points refund's idempotency key: one per saga, the same on every retry."""
        return f"{self.saga_id}-refund"

    @property
    def finished(self) -> bool:
        return self.state in (SagaState.SUCCEEDED, SagaState.FAILED)

    @property
    def operation_status(self) -> OperationStatus:
        if self.state is SagaState.SUCCEEDED:
            return OperationStatus.SUCCEEDED
        if self.state is SagaState.FAILED:
            return OperationStatus.FAILED
        return OperationStatus.PENDING

    @property
    def retryable(self) -> bool:
        return self.state is SagaState.FAILED and self.failure in RESUMABLE

    def _move(self, event: str, **changes: Any) -> Transition:
        return Transition(event, self, replace(self, **changes))

    def _require(self, *states: SagaState) -> None:
        if self.state not in states:
            raise InvalidTransition(f"saga {self.saga_id} is {self.state}, not {states}")

    def vouchers_voided(self) -> Transition:
        self._require(SagaState.VOIDING)
        return self._move(
            "vouchers_voided",
            state=SagaState.REFUND_REQUESTED,
            refund_attempt=self.refund_attempt + 1,
        )

    def void_failed(self) -> Transition:
        self._require(SagaState.VOIDING)
        return self._move("void_failed", state=SagaState.FAILED, failure=Failure.VOID_FAILED)

    def voucher_used(self) -> Transition:
        self._require(SagaState.VOIDING)
        return self._move("voucher_used", state=SagaState.FAILED, failure=Failure.VOUCHER_USED)

    def refund_overdue(self) -> Transition:
        """No answer in time: ask again. Same refund id, so the refund still happens once."""
        self._require(SagaState.REFUND_REQUESTED)
        return self._move("refund_rerequested", refund_attempt=self.refund_attempt + 1)

    def refund_answered(self, *, succeeded: bool, attempt: int) -> Transition | None:
        """Apply the points gateway's answer, or None when it changes nothing.

        A success is a fact (the points moved) and wins even over an earlier
        failure. A failure counts only for the latest request: an older
        request's failure may be overtaken by the one still in flight.
        """
        refund_open = self.state is SagaState.REFUND_REQUESTED
        refund_failed = self.failure is Failure.POINTS_REFUND_FAILED
        if succeeded and (refund_open or refund_failed):
            return self._move("refund_succeeded", state=SagaState.SUCCEEDED, failure=None)
        if not succeeded and refund_open and attempt >= self.refund_attempt:
            return self._move(
                "refund_failed", state=SagaState.FAILED, failure=Failure.POINTS_REFUND_FAILED
            )
        return None

    def resume(self) -> Transition:
        """Retry from the failed step: voiding again, or asking for the refund again."""
        if not self.retryable:
            raise NotRetryable(f"a {self.state.value} reversal cannot be retried")
        if self.failure is Failure.VOID_FAILED:
            return self._move(
                "resumed", state=SagaState.VOIDING, failure=None, attempt=self.attempt + 1
            )
        return self._move(
            "resumed",
            state=SagaState.REFUND_REQUESTED,
            failure=None,
            attempt=self.attempt + 1,
            refund_attempt=self.refund_attempt + 1,
        )


@dataclass(frozen=True)
class Transition:
    event: str
    before: ReversalSaga | None
    after: ReversalSaga

    @property
    def requests_refund(self) -> bool:
        """Whether this step owes the points gateway a (new) refund request."""
        return self.after.state is SagaState.REFUND_REQUESTED and (
            self.before is None or self.after.refund_attempt > self.before.refund_attempt
        )


def saga_id_of_refund(refund_id: str) -> UUID | None:
    """The saga a refund answer belongs to, or None when the id is not one of ours."""
    head, sep, tail = refund_id.rpartition("-")
    if not sep or tail != "refund":
        return None
    try:
        return UUID(head)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Reversal:
    """A reversal saga with what its steps need: its operation (who asked, why, in which
    trace) and its order (whose points, how many)."""

    saga: ReversalSaga
    operation_id: UUID
    reason: str
    operator: str
    traceparent: str | None
    user_id: str
    points: int
    """The points the order deducted: what the refund gives back."""
    started_at: datetime
