"""Refund forms (退款单): filing, the approval chain's steps, send-back and resubmission."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.refund.api.common import RefundDeps, answered
from services.refund.api.views import form_detail, form_summary
from services.refund.domain.forms import Decision, Step
from services.refund.handlers import forms as handlers
from services.refund.handlers import keys
from services.refund.handlers.keys import Keyed
from services.refund.store import forms as store
from shared.api.refund import (
    CustomerWaitIn,
    DecisionIn,
    FormIn,
    NoteIn,
    RefundFormOut,
    RefundFormPageOut,
    ResubmitIn,
)
from shared.http import CurrentActor, IdempotencyKey

router = APIRouter(tags=["refund forms"])


def keyed_form(key: str | None, command: str, form_id: str) -> Keyed:
    """The command answers with the form as it left it (kept under the key, if any)."""

    async def render(conn: asyncpg.Connection) -> Any:
        return (await form_detail(conn, form_id)).model_dump(mode="json")

    return Keyed(key, command, render)


@router.post("/refunds/forms", status_code=201, response_model=RefundFormOut)
async def file_form(body: FormIn, deps: RefundDeps, actor: CurrentActor) -> RefundFormOut:
    fields = handlers.FormFields(**body.model_dump())
    form_id = await handlers.file_form(deps, fields, actor)
    return await form_detail(deps.pool, form_id)


@router.get("/refunds/forms", response_model=RefundFormPageOut)
async def list_forms(
    deps: RefundDeps,
    _actor: CurrentActor,
    state: str | None = None,
    order_no: str | None = None,
    filed_by: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> RefundFormPageOut:
    """Forms newest first; ``cursor`` is the previous page's ``next_cursor``."""
    rows = await store.page(
        deps.pool, state=state, order_no=order_no, filed_by=filed_by, before=cursor, limit=limit
    )
    items = [form_summary(r) for r in rows]
    return RefundFormPageOut(
        items=items, next_cursor=items[-1].form_id if len(items) == limit else None
    )


@router.get("/refunds/forms/{form_id}", response_model=RefundFormOut)
async def get_form(form_id: str, deps: RefundDeps, _actor: CurrentActor) -> RefundFormOut:
    return await form_detail(deps.pool, form_id)


def _step_route(step: Step, path: str) -> None:
    async def decide(
        form_id: str,
        deps: RefundDeps,
        actor: CurrentActor,
        body: DecisionIn,
        idempotency_key: IdempotencyKey,
    ) -> Response:
        command = keys.command(
            step.value, form_id, body.decision, actor.username, text=body.opinion
        )
        answer = await handlers.decide(
            deps,
            form_id,
            step,
            Decision(body.decision),
            opinion=body.opinion,
            actor=actor,
            keyed=keyed_form(idempotency_key, command, form_id),
        )
        return answered(answer)

    decide.__name__ = f"post_{step.value}"
    decide.__doc__ = "Accepts an Idempotency-Key: a repeat answers as the first did."
    router.post(f"/refunds/forms/{{form_id}}/{path}", response_model=RefundFormOut)(decide)


for _step, _path in (
    (Step.LEAD_CHECK, "lead-check"),
    (Step.TECH_VERIFICATION, "tech-verification"),
    (Step.FINANCE_SUBMISSION, "finance-submission"),
    (Step.CASHIER_CHECK, "cashier-check"),
    (Step.ACCOUNTANT_REVIEW, "accountant-review"),
    (Step.DIRECTOR_APPROVAL, "director-approval"),
    (Step.SECOND_APPROVAL, "second-approval"),
):
    _step_route(_step, _path)


@router.post("/refunds/forms/{form_id}/resubmit", response_model=RefundFormOut)
async def resubmit(
    form_id: str, body: ResubmitIn, deps: RefundDeps, actor: CurrentActor
) -> RefundFormOut:
    corrections: dict[str, Any] = body.model_dump(exclude={"note"}, exclude_none=True)
    if isinstance(corrections.get("purchased_at"), datetime):
        corrections["purchased_at"] = corrections["purchased_at"].replace(second=0, microsecond=0)
    await handlers.resubmit(deps, form_id, corrections, note=body.note, actor=actor)
    return await form_detail(deps.pool, form_id)


@router.post("/refunds/forms/{form_id}/customer-wait", response_model=RefundFormOut)
async def customer_wait(
    form_id: str, body: CustomerWaitIn, deps: RefundDeps, actor: CurrentActor
) -> RefundFormOut:
    await handlers.wait_for_customer(
        deps, form_id, waiting=body.waiting, note=body.note, actor=actor
    )
    return await form_detail(deps.pool, form_id)


@router.post("/refunds/forms/{form_id}/payout-retry", response_model=RefundFormOut)
async def payout_retry(
    form_id: str,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    body: NoteIn | None = None,
) -> Response:
    note = body.note if body else ""
    command = keys.command("payout_retry", form_id, actor.username, text=note)
    answer = await handlers.retry_payout(
        deps, form_id, note=note, actor=actor, keyed=keyed_form(idempotency_key, command, form_id)
    )
    return answered(answer)
