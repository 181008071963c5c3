"""Contracts of the refund service: refunds other services ask for, and their outcomes.

The rental service asks for deposit and stored-value refunds on ``refund.requested.v1``;
the refund service runs them through its own approval chain (ops supervisor, daily
window and caps) and answers once, on ``refund.completed.v1`` or ``refund.rejected.v1``.
``request_id`` is the requester's stable id: the refund service opens one refund per
id however often the request arrives, and the requester moves money once per outcome.
Amounts are integer cents (fen).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shared.contracts.base import Contract, Topic
from shared.timestamps import UtcTimestamp

Cents = Annotated[int, Field(gt=0, le=100_000_000)]
RequestId = Annotated[str, Field(min_length=1, max_length=128)]
RefundKind = Literal["deposit", "stored_value"]
RefundRejection = Literal[
    "rejected_by_supervisor",
    "outside_daily_window",
    "daily_amount_cap",
    "daily_count_cap",
    "payout_failed",
    "invalid_request",
]


class RefundRequested(Contract):
    """Pay money held for a user back to them (a deposit, or unused stored value)."""

    request_id: RequestId
    """Stable per refund the requester wants, e.g. ``rental-deposit-<account>-<n>``."""
    requester: str = Field(min_length=1, max_length=32)
    """The asking service, e.g. ``rental``: outcomes go back on the shared topics."""
    kind: RefundKind
    user_id: str = Field(min_length=1, max_length=64)
    amount_cents: Cents
    phone: str | None = Field(default=None, max_length=20)
    """The registered phone, to tell the customer by SMS when the refund is paid."""
    reason: str = Field(min_length=1, max_length=500)
    requested_by: str = Field(min_length=1, max_length=64)
    """The agent (or system) who asked, for the record and separation of duties."""
    requested_at: UtcTimestamp
    payout_method: str | None = Field(default=None, max_length=32)
    """Where the money goes back (seed 004: the original payment account): the method of
    the payment it came from (``bank_card``, ``wechat``, ...); None: the platform's own
    payment channel."""
    payout_account: str | None = Field(default=None, max_length=40)
    """The original paying account, with ``payout_method``."""
    deducted_cents: int = Field(default=0, ge=0)
    """Kept back from what the customer gave up (the promotional bonus, the fee):
    ``amount_cents`` is already net of it."""


class RefundCompleted(Contract):
    """The refund was approved and paid out: the requester now releases the money."""

    request_id: RequestId
    refund_id: str
    """The refund service's own id of the refund."""
    requester: str
    kind: RefundKind
    user_id: str
    amount_cents: Cents
    approved_by: str
    payout_reference: str
    """The payment provider's reference of the payout."""
    completed_at: UtcTimestamp


class RefundRejected(Contract):
    """The refund will not be paid: the requester keeps (or restores) the money."""

    request_id: RequestId
    refund_id: str | None
    """None when the request was refused before a refund was opened."""
    requester: str
    kind: RefundKind
    user_id: str
    amount_cents: int
    reason: RefundRejection
    detail: str = ""
    rejected_by: str
    """The supervisor, or ``system`` when a rule refused it."""
    rejected_at: UtcTimestamp


class RefundSlaBreached(Contract):
    """A refund form missed the time limit of one of its steps."""

    form_id: str
    order_no: str
    step: str
    """The step that was due, e.g. ``filing``, ``submission_to_finance``, ``finance``."""
    due_at: UtcTimestamp
    breached_at: UtcTimestamp
    assignee_role: str
    """The role that should have acted; the duty lead is told in-app."""


REFUND_REQUESTED = Topic(
    "refund.requested.v1",
    RefundRequested,
    key="user_id",
    summary="Another service (rental) asks for a deposit or stored-value refund.",
    producer="rental",
)
REFUND_COMPLETED = Topic(
    "refund.completed.v1",
    RefundCompleted,
    key="user_id",
    summary="A requested refund was approved and paid out.",
    producer="refund",
)
REFUND_REJECTED = Topic(
    "refund.rejected.v1",
    RefundRejected,
    key="user_id",
    summary="A requested refund was refused (by a supervisor or a cap) or could not be paid.",
    producer="refund",
)
REFUND_SLA_BREACHED = Topic(
    "refund.sla.breached.v1",
    RefundSlaBreached,
    key="form_id",
    summary="A refund form missed a step's time limit.",
    producer="refund",
)
