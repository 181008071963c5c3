"""Refund forms (退款单): filing, the approval chain's steps, send-back and resubmission."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from services.refund.api.common import RefundDeps
from services.refund.api.views import FormDetail, FormPage, FormSummary, form_detail
from services.refund.domain.forms import Decision, Step
from services.refund.handlers import forms as handlers
from services.refund.store import forms as store
from shared.http import CurrentActor

router = APIRouter(tags=["refund forms"])
Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{6,20}$")]
Cents = Annotated[int, Field(gt=0, le=100_000_000)]
Text = Annotated[str, Field(min_length=1, max_length=1000)]


class FormIn(BaseModel):
    order_no: Annotated[str, Field(min_length=1, max_length=64)]
    purchased_at: AwareDatetime
    """To the minute (seconds are dropped)."""
    bank: Annotated[str, Field(min_length=1, max_length=64)]
    amount_cents: Cents
    """The refund asked for; at most ``paid_cents`` (else 409 over_refund)."""
    paid_cents: Cents
    """What the customer paid for the order."""
    phone: Phone
    """The registered phone: told by SMS when the refund is paid."""
    fault: Text
    cause: Literal["no_order_no", "order_conflict", "payment_timeout", "other"]
    customer_opinion: Text
    complaint_at: AwareDatetime
    """When the customer complained: the form is due within 10 minutes of it."""


class DecisionIn(BaseModel):
    decision: Literal["approve", "send_back"] = "approve"
    opinion: Annotated[str, Field(max_length=1000)] = ""
    """The step's opinion (处理意见); a send-back's reason; the technical finding."""


class ResubmitIn(BaseModel):
    note: Annotated[str, Field(max_length=1000)] = ""
    """What was corrected."""
    purchased_at: AwareDatetime | None = None
    bank: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    amount_cents: Cents | None = None
    paid_cents: Cents | None = None
    phone: Phone | None = None
    fault: Text | None = None
    cause: Literal["no_order_no", "order_conflict", "payment_timeout", "other"] | None = None
    customer_opinion: Text | None = None
    complaint_at: AwareDatetime | None = None


class CustomerWaitIn(BaseModel):
    waiting: bool
    """True: waiting on the customer (time limits pause); false: the customer answered."""
    note: Annotated[str, Field(max_length=1000)] = ""


class NoteIn(BaseModel):
    note: Annotated[str, Field(max_length=1000)] = ""


@router.post("/refunds/forms", status_code=201, response_model=FormDetail)
async def file_form(body: FormIn, deps: RefundDeps, actor: CurrentActor) -> FormDetail:
    fields = handlers.FormFields(**body.model_dump())
    form_id = await handlers.file_form(deps, fields, actor)
    return await form_detail(deps.pool, form_id)


@router.get("/refunds/forms", response_model=FormPage)
async def list_forms(
    deps: RefundDeps,
    _actor: CurrentActor,
    state: str | None = None,
    order_no: str | None = None,
    filed_by: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> FormPage:
    """Forms newest first; ``cursor`` is the previous page's ``next_cursor``."""
    rows = await store.page(
        deps.pool, state=state, order_no=order_no, filed_by=filed_by, before=cursor, limit=limit
    )
    items = [FormSummary.of(r) for r in rows]
    return FormPage(items=items, next_cursor=items[-1].form_id if len(items) == limit else None)


@router.get("/refunds/forms/{form_id}", response_model=FormDetail)
async def get_form(form_id: str, deps: RefundDeps, _actor: CurrentActor) -> FormDetail:
    return await form_detail(deps.pool, form_id)


def _step_route(step: Step, path: str) -> None:
    async def decide(
        form_id: str, deps: RefundDeps, actor: CurrentActor, body: DecisionIn
    ) -> FormDetail:
        await handlers.decide(
            deps, form_id, step, Decision(body.decision), opinion=body.opinion, actor=actor
        )
        return await form_detail(deps.pool, form_id)

    decide.__name__ = f"post_{step.value}"
    router.post(f"/refunds/forms/{{form_id}}/{path}", response_model=FormDetail)(decide)


for _step, _path in (
    (Step.LEAD_CHECK, "lead-check"),
    (Step.TECH_VERIFICATION, "tech-verification"),
    (Step.FINANCE_SUBMISSION, "finance-submission"),
    (Step.CASHIER_CHECK, "cashier-check"),
    (Step.ACCOUNTANT_REVIEW, "accountant-review"),
    (Step.DIRECTOR_APPROVAL, "director-approval"),
):
    _step_route(_step, _path)


@router.post("/refunds/forms/{form_id}/resubmit", response_model=FormDetail)
async def resubmit(
    form_id: str, body: ResubmitIn, deps: RefundDeps, actor: CurrentActor
) -> FormDetail:
    corrections: dict[str, Any] = body.model_dump(exclude={"note"}, exclude_none=True)
    if isinstance(corrections.get("purchased_at"), datetime):
        corrections["purchased_at"] = corrections["purchased_at"].replace(second=0, microsecond=0)
    await handlers.resubmit(deps, form_id, corrections, note=body.note, actor=actor)
    return await form_detail(deps.pool, form_id)


@router.post("/refunds/forms/{form_id}/customer-wait", response_model=FormDetail)
async def customer_wait(
    form_id: str, body: CustomerWaitIn, deps: RefundDeps, actor: CurrentActor
) -> FormDetail:
    await handlers.wait_for_customer(
        deps, form_id, waiting=body.waiting, note=body.note, actor=actor
    )
    return await form_detail(deps.pool, form_id)


@router.post("/refunds/forms/{form_id}/payout-retry", response_model=FormDetail)
async def payout_retry(
    form_id: str, deps: RefundDeps, actor: CurrentActor, body: NoteIn | None = None
) -> FormDetail:
    await handlers.retry_payout(deps, form_id, note=body.note if body else "", actor=actor)
    return await form_detail(deps.pool, form_id)
