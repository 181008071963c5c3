"""What the API answers: forms with their steps, time limits and payout; requested refunds."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

import asyncpg
from pydantic import BaseModel

from services.refund.store import deadlines, forms, payouts
from shared.masking import mask_phone


class StepOut(BaseModel):
    round: int
    step: str
    decision: Literal["approved", "sent_back", "done"]
    opinion: str
    executor: str
    executor_role: str
    to_state: str
    at: datetime


class DeadlineOut(BaseModel):
    step: Literal["filing", "submission_to_finance", "finance"]
    due_at: datetime
    paused: bool
    met_at: datetime | None
    breached_at: datetime | None
    """Set when the limit was missed (shown on the form; told to the duty lead once)."""


class PayoutOut(BaseModel):
    payout_id: str
    status: Literal["pending", "paid", "failed"]
    attempts: int
    last_error: str | None
    reference: str | None
    paid_at: datetime | None


class FormSummary(BaseModel):
    form_id: str
    order_no: str
    state: str
    amount_cents: int
    bank: str
    phone: str
    """Masked in lists: 138****8000."""
    filed_by: str
    filed_at: datetime
    round: int
    waiting_customer: bool

    @classmethod
    def of(cls, row: asyncpg.Record, *, masked: bool = True) -> FormSummary:
        return cls(
            form_id=row["form_id"],
            order_no=row["order_no"],
            state=row["state"],
            amount_cents=row["amount_cents"],
            bank=row["bank"],
            phone=mask_phone(row["phone"]) if masked else row["phone"],
            filed_by=row["filed_by"],
            filed_at=row["filed_at"],
            round=row["round"],
            waiting_customer=row["waiting_customer_since"] is not None,
        )


class FormDetail(FormSummary):
    purchased_at: datetime
    paid_cents: int
    fault: str
    cause: str
    customer_opinion: str
    complaint_at: datetime
    tech_finding: str | None
    submitted_to_finance_at: datetime | None
    finance_approved_at: datetime | None
    sent_back_step: str | None
    sent_back_reason: str | None
    paid_at: datetime | None
    payout_reference: str | None
    completed_at: datetime | None
    steps: list[StepOut]
    """Every step of every round, oldest first: opinion, executor and time."""
    deadlines: list[DeadlineOut]
    payout: PayoutOut | None


class FormPage(BaseModel):
    items: list[FormSummary]
    next_cursor: str | None


async def form_detail(pool: asyncpg.Pool, form_id: str) -> FormDetail:
    row = await forms.row_of(pool, form_id)
    summary = FormSummary.of(row, masked=False)
    payout = await payouts.of_subject(pool, "form", form_id)
    return FormDetail(
        **summary.model_dump(),
        purchased_at=row["purchased_at"],
        paid_cents=row["paid_cents"],
        fault=row["fault"],
        cause=row["cause"],
        customer_opinion=row["customer_opinion"],
        complaint_at=row["complaint_at"],
        tech_finding=row["tech_finding"],
        submitted_to_finance_at=row["submitted_to_finance_at"],
        finance_approved_at=row["finance_approved_at"],
        sent_back_step=row["sent_back_step"],
        sent_back_reason=row["sent_back_reason"],
        paid_at=row["paid_at"],
        payout_reference=row["payout_reference"],
        completed_at=row["completed_at"],
        steps=[StepOut.model_validate(dict(s)) for s in await forms.steps(pool, form_id)],
        deadlines=[
            DeadlineOut(
                step=d.limit.value,
                due_at=d.due_at,
                paused=d.paused_at is not None,
                met_at=d.met_at,
                breached_at=d.breached_at,
            )
            for d in await deadlines.of_form(pool, form_id)
        ],
        payout=PayoutOut.model_validate(dict(payout)) if payout else None,
    )


class RequestedRefundOut(BaseModel):
    refund_id: str
    request_id: str
    requester: str
    kind: Literal["deposit", "stored_value"]
    user_id: str
    amount_cents: int
    phone: str | None
    reason: str
    requested_by: str
    requested_at: datetime
    received_at: datetime
    state: Literal["awaiting_approval", "paying", "payout_failed", "completed", "rejected"]
    decided_by: str | None
    decided_at: datetime | None
    opinion: str | None
    business_day: date | None
    rejection: str | None
    detail: str | None
    payout_reference: str | None
    completed_at: datetime | None
    payout: PayoutOut | None = None

    @classmethod
    def of(cls, row: asyncpg.Record, *, masked: bool = True) -> RequestedRefundOut:
        values = dict(row)
        if masked and values["phone"]:
            values["phone"] = mask_phone(values["phone"])
        return cls.model_validate(values)


class PolicyOut(BaseModel):
    window_start: time
    window_end: time
    daily_amount_cap_cents: int
    daily_count_cap: int
    updated_by: str
    updated_at: datetime
    today: date
    approved_today_cents: int
    approved_today_count: int


class AttentionItem(BaseModel):
    """A payout whose retries ran out: a person retries it (or, for a requested refund,
    gives it up)."""

    payout_id: str
    subject_kind: Literal["form", "requested"]
    subject_id: str
    amount_cents: int
    attempts: int
    last_error: str | None
    created_at: datetime
