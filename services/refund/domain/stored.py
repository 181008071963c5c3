"""Refund forms, requested refunds and payouts as the stores hand them out (read models).

Each is a row of its table as a frozen object (``shared.db.rows.row_as``): handlers and
routes read attributes, which ``mypy --strict`` checks, never ``row["col"]``. The rules
work on their own smaller objects (:class:`~services.refund.domain.forms.Form`,
:class:`~services.refund.domain.deadlines.Deadline`), built by the stores from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.refund.domain.requested import Policy


@dataclass(frozen=True)
class StoredForm:
    """A refund form (退款单) as stored: what the agent wrote and where the chain is."""

    form_id: str
    order_no: str
    purchased_at: datetime
    bank: str
    amount_cents: int
    paid_cents: int
    phone: str
    fault: str
    cause: str
    customer_opinion: str
    complaint_at: datetime
    customer_name: str
    complaint_no: str | None
    filed_by: str
    filed_at: datetime
    state: str
    round: int
    tech_finding: str | None
    waiting_customer_since: datetime | None
    submitted_to_finance_at: datetime | None
    finance_approved_at: datetime | None
    sent_back_at: datetime | None
    sent_back_step: str | None
    sent_back_reason: str | None
    paid_at: datetime | None
    payout_reference: str | None
    completed_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    closed_reason: str | None
    updated_at: datetime


@dataclass(frozen=True)
class QueuedForm:
    """A form in a queue, with the time limit it runs under (none when sent back)."""

    form: StoredForm
    due_at: datetime | None
    due_limit: str | None
    due_paused: bool | None
    due_breached_at: datetime | None
    queued_at: datetime
    """The limit's due time, or when a sent-back form came back: the queue's order."""


@dataclass(frozen=True)
class FormStep:
    """One step of a form's history (append-only): who decided what, when."""

    round: int
    step: str
    decision: str
    opinion: str
    executor: str
    executor_role: str
    from_state: str | None
    to_state: str
    trace_id: str | None
    at: datetime


@dataclass(frozen=True)
class RequestedRefund:
    """A refund another service asked for (``refund.requested.v1``), as stored."""

    refund_id: str
    request_id: str
    requester: str
    kind: str
    user_id: str
    amount_cents: int
    phone: str | None
    reason: str
    requested_by: str
    requested_at: datetime
    received_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None
    opinion: str | None
    business_day: date | None
    """The business day whose caps it counted on."""
    rejection: str | None
    detail: str | None
    payout_reference: str | None
    completed_at: datetime | None
    payout_method: str | None
    payout_account: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Payout:
    """A payout owed (one per form or requested refund), as the worker claims it."""

    payout_id: str
    subject_kind: str
    subject_id: str
    amount_cents: int
    account: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    reference: str | None
    created_at: datetime
    paid_at: datetime | None
    given_up_at: datetime | None


@dataclass(frozen=True)
class PayoutNeedingAttention:
    """A payout whose retries ran out, with its subject's state (what a person may do)."""

    payout: Payout
    subject_state: str


@dataclass(frozen=True)
class StoredPolicy:
    """The supervisor's policy for requested refunds, and who set it when."""

    policy: Policy
    updated_by: str
    updated_at: datetime
