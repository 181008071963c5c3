"""What the API answers, built from the rows: forms with their steps, time limits and
payout; requested refunds. The shapes are shared with the gateway (shared/api/refund.py)."""

from __future__ import annotations

import asyncpg

from services.refund.store import deadlines, forms, payouts, requested
from shared.api.refund import (
    DeadlineOut,
    PayoutOut,
    QueuedFormOut,
    RefundFormOut,
    RefundFormSummaryOut,
    RequestedRefundOut,
    StepOut,
)
from shared.masking import mask_phone


def form_summary(row: asyncpg.Record, *, masked: bool = True) -> RefundFormSummaryOut:
    return RefundFormSummaryOut(
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
        customer_name=row["customer_name"],
        complaint_no=row["complaint_no"],
    )


def queued_form(row: asyncpg.Record) -> QueuedFormOut:
    """A queue's row: the form, masked, with the running limit's due time."""
    return QueuedFormOut(
        **form_summary(row).model_dump(),
        due_at=row["due_at"],
        due_limit=row["due_limit"],
        due_paused=row["due_paused"],
        overdue=row["due_breached_at"] is not None,
    )


async def form_detail(conn: asyncpg.Pool | asyncpg.Connection, form_id: str) -> RefundFormOut:
    row = await forms.row_of(conn, form_id)
    summary = form_summary(row, masked=False)
    payout = await payouts.of_subject(conn, "form", form_id)
    return RefundFormOut(
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
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
        closed_reason=row["closed_reason"],
        steps=[StepOut.model_validate(dict(s)) for s in await forms.steps(conn, form_id)],
        deadlines=[
            DeadlineOut(
                step=d.limit.value,
                due_at=d.due_at,
                paused=d.paused_at is not None,
                met_at=d.met_at,
                breached_at=d.breached_at,
            )
            for d in await deadlines.of_form(conn, form_id)
        ],
        payout=PayoutOut.model_validate(dict(payout)) if payout else None,
    )


def requested_refund(row: asyncpg.Record, *, masked: bool = True) -> RequestedRefundOut:
    values = dict(row)
    if masked and values["phone"]:
        values["phone"] = mask_phone(values["phone"])
    return RequestedRefundOut.model_validate(values)


async def requested_detail(
    conn: asyncpg.Pool | asyncpg.Connection, refund_id: str
) -> RequestedRefundOut:
    out = requested_refund(await requested.row_of(conn, refund_id), masked=False)
    payout = await payouts.of_subject(conn, "requested", refund_id)
    out.payout = PayoutOut.model_validate(dict(payout)) if payout else None
    return out
