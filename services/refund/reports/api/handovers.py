"""Shift handovers (客服部值班交接单): written by a duty lead, acknowledged by the next."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from services.refund.api.common import answered, page_out
from services.refund.handlers.keys import Keyed
from services.refund.reports.api.common import ReportsContext
from services.refund.reports.api.views import draft, handover_out
from services.refund.reports.domain.errors import HandoverNotFound
from services.refund.reports.domain.handover import HandoverRecord
from services.refund.reports.handlers import handovers as handlers
from services.refund.reports.store import handovers as store
from shared.api.refund_reports import HandoverIn, HandoverOut, HandoverPageOut
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.idempotency import Command
from shared.paging import MAX_LIMIT, decode_cursor

router = APIRouter(tags=["handovers"])


def _keyed(
    key: str | None, command: Command, actor: Actor, status: int = 200
) -> Keyed[HandoverRecord]:
    """The command answers with the handover as it left it (kept under the key, if any)."""

    async def render(_: asyncpg.Connection, record: HandoverRecord) -> HandoverOut:
        return handover_out(record, actor)

    return Keyed(key, command, render, status)


@router.post("/handovers", status_code=status.HTTP_201_CREATED, response_model=HandoverOut)
async def hand_over(
    body: HandoverIn, ctx: ReportsContext, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """Hand the shift over: finished work, follow-ups, and the forms finance handled, was
    submitted and sent back during the shift (computed from the forms). Accepts an
    Idempotency-Key: a repeat answers as the first did (the same handover)."""
    command = Command("hand_over", actor.username, body.model_dump(mode="json"))
    keyed = _keyed(idempotency_key, command, actor, status.HTTP_201_CREATED)
    return answered(await handlers.hand_over(ctx, draft(body), actor, keyed))


@router.get("/handovers", response_model=HandoverPageOut)
async def list_handovers(
    ctx: ReportsContext,
    actor: CurrentActor,
    acknowledged: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: str | None = None,
) -> HandoverPageOut:
    """Handovers, newest first (``acknowledged=false``: the ones waiting for the next lead)."""
    handlers.require_duty_lead(actor, "reading handovers")
    page = await store.page(
        ctx.pool, acknowledged=acknowledged, after=decode_cursor(cursor), limit=limit
    )
    return page_out(
        HandoverPageOut, page, [handover_out(r, actor, masked=True) for r in page.items]
    )


@router.get("/handovers/{handover_id}", response_model=HandoverOut)
async def get_handover(handover_id: int, ctx: ReportsContext, actor: CurrentActor) -> HandoverOut:
    """One handover in full: the next lead calls the customers it names."""
    handlers.require_duty_lead(actor, "reading a handover")
    row = await store.get(ctx.pool, handover_id)
    if row is None:
        raise HandoverNotFound(f"no handover {handover_id}")
    return handover_out(row, actor)


@router.post("/handovers/{handover_id}/acknowledge", response_model=HandoverOut)
async def acknowledge(
    handover_id: int, ctx: ReportsContext, actor: CurrentActor, idempotency_key: IdempotencyKey
) -> Response:
    """The next duty lead takes the shift over (403 ``same_person`` for whoever wrote it).
    Accepts an Idempotency-Key: a repeat answers as the first did."""
    command = Command("acknowledge", str(handover_id))
    keyed = _keyed(idempotency_key, command, actor)
    return answered(await handlers.acknowledge(ctx, handover_id, actor, keyed))
