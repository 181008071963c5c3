"""Refund forms (退款单): filing, the approval chain's steps, send-back and resubmission."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.refund.api.common import Limit, PhoneTail, RefundDeps, answered, page_out
from services.refund.api.views import form_detail, form_summaries, queued_forms
from services.refund.domain import forms as chain
from services.refund.domain import periods
from services.refund.domain.forms import Decision, Step
from services.refund.handlers import forms as handlers
from services.refund.handlers.keys import Keyed
from services.refund.store import forms as store
from shared.api.refund import (
    CloseIn,
    CustomerWaitIn,
    DecisionIn,
    FormIn,
    FormState,
    NoteIn,
    QueuePageOut,
    RefundFormOut,
    RefundFormPageOut,
    ResubmitIn,
)
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.idempotency import Command
from shared.paging import decode_cursor

router = APIRouter(tags=["refund forms"])


def keyed_form(key: str | None, command: Command, actor: Actor, status: int = 200) -> Keyed[str]:
    """The command answers with the form as it left it (kept under the key, if any)."""

    async def render(conn: asyncpg.Connection, form_id: str) -> RefundFormOut:
        return await form_detail(conn, form_id, actor)

    return Keyed(key, command, render, status)


@router.post("/refunds/forms", status_code=201, response_model=RefundFormOut)
async def file_form(
    body: FormIn, deps: RefundDeps, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did (the same form)."""
    command = Command("file", body.order_no, body.model_dump(mode="json"))
    fields = handlers.FormFields(**body.model_dump())
    keyed = keyed_form(idempotency_key, command, actor, status=201)
    return answered(await handlers.file_form(deps, fields, actor, keyed))


def _search(
    deps: RefundDeps,
    state: Annotated[list[FormState] | None, Query(description="One or more states")] = None,
    phone: PhoneTail = None,
    customer_name: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Part of the name")
    ] = None,
    order_no: Annotated[str | None, Query(max_length=64)] = None,
    complaint_no: Annotated[str | None, Query(max_length=64)] = None,
    filed_by: str | None = None,
    filed_from: Annotated[date | None, Query(description="First day filed (inclusive)")] = None,
    filed_to: Annotated[date | None, Query(description="Last day filed (inclusive)")] = None,
) -> store.FormSearch:
    start, end = periods.dates_bounds(filed_from, filed_to, deps.settings.tz)
    return store.FormSearch(
        tuple(state or ()),
        phone,
        customer_name,
        order_no,
        complaint_no,
        filed_by,
        start,
        end,
    )


@router.get("/refunds/forms", response_model=RefundFormPageOut)
async def list_forms(
    deps: RefundDeps,
    actor: CurrentActor,
    search: Annotated[store.FormSearch, Depends(_search)],
    limit: Limit = 20,
    cursor: str | None = None,
) -> RefundFormPageOut:
    """Forms newest first, phones masked; ``cursor`` is the previous page's ``next_cursor``."""
    page = await store.page(deps.pool, search, after=decode_cursor(cursor), limit=limit)
    return page_out(RefundFormPageOut, page, await form_summaries(deps.pool, page.items, actor))


@router.get("/refunds/forms/queue", response_model=QueuePageOut)
async def my_queue(
    deps: RefundDeps, actor: CurrentActor, limit: Limit = 20, cursor: str | None = None
) -> QueuePageOut:
    """The forms waiting on a step the caller's role decides, oldest due first; an agent's
    sent-back forms by when they came back."""
    page = await store.queue(
        deps.pool, chain.waiting_on(actor.roles), after=decode_cursor(cursor), limit=limit
    )
    return page_out(QueuePageOut, page, await queued_forms(deps.pool, page.items, actor))


@router.get("/refunds/forms/{form_id}", response_model=RefundFormOut)
async def get_form(form_id: str, deps: RefundDeps, actor: CurrentActor) -> RefundFormOut:
    return await form_detail(deps.pool, form_id, actor)


def _step_route(step: Step, path: str) -> None:
    async def decide(
        form_id: str,
        deps: RefundDeps,
        actor: CurrentActor,
        body: DecisionIn,
        idempotency_key: IdempotencyKey,
    ) -> Response:
        command = Command(step.value, form_id, {"decision": body.decision, "opinion": body.opinion})
        answer = await handlers.decide(
            deps,
            form_id,
            step,
            Decision(body.decision),
            opinion=body.opinion,
            actor=actor,
            keyed=keyed_form(idempotency_key, command, actor),
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
    form_id: str,
    body: ResubmitIn,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    corrections: dict[str, Any] = body.model_dump(exclude={"note"}, exclude_none=True)
    if isinstance(corrections.get("purchased_at"), datetime):
        corrections["purchased_at"] = corrections["purchased_at"].replace(second=0, microsecond=0)
    command = Command("resubmit", form_id, body.model_dump(mode="json", exclude_none=True))
    answer = await handlers.resubmit(
        deps,
        form_id,
        corrections,
        note=body.note,
        actor=actor,
        keyed=keyed_form(idempotency_key, command, actor),
    )
    return answered(answer)


@router.post("/refunds/forms/{form_id}/customer-wait", response_model=RefundFormOut)
async def customer_wait(
    form_id: str,
    body: CustomerWaitIn,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = Command("customer_wait", form_id, {"waiting": body.waiting, "note": body.note})
    answer = await handlers.wait_for_customer(
        deps,
        form_id,
        waiting=body.waiting,
        note=body.note,
        actor=actor,
        keyed=keyed_form(idempotency_key, command, actor),
    )
    return answered(answer)


@router.post("/refunds/forms/{form_id}/close", response_model=RefundFormOut)
async def close(
    form_id: str,
    body: CloseIn,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Close a sent-back form for good (不予处理) with a reason: a duty lead or finance.
    The customer is told by SMS and the filing agent in-app. Accepts an Idempotency-Key."""
    command = Command("close", form_id, {"reason": body.reason})
    answer = await handlers.close(
        deps,
        form_id,
        reason=body.reason,
        actor=actor,
        keyed=keyed_form(idempotency_key, command, actor),
    )
    return answered(answer)


@router.post("/refunds/forms/{form_id}/payout-retry", response_model=RefundFormOut)
async def payout_retry(
    form_id: str,
    deps: RefundDeps,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
    body: NoteIn | None = None,
) -> Response:
    note = body.note if body else ""
    command = Command("payout_retry", form_id, {"note": note})
    answer = await handlers.retry_payout(
        deps,
        form_id,
        note=note,
        actor=actor,
        keyed=keyed_form(idempotency_key, command, actor),
    )
    return answered(answer)
