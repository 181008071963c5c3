"""Shift handovers (客服部值班交接单): written by a duty lead, acknowledged by the next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.refund.api.common import page_out
from services.refund.reports.api.common import ReportsContext
from services.refund.reports.api.views import draft, handover_out
from services.refund.reports.domain.errors import HandoverNotFound
from services.refund.reports.handlers import handovers as handlers
from services.refund.reports.store import handovers as store
from shared.api.refund_reports import HandoverIn, HandoverOut, HandoverPageOut
from shared.http import CurrentActor
from shared.paging import MAX_LIMIT, decode_cursor

router = APIRouter(tags=["handovers"])


@router.post("/handovers", status_code=status.HTTP_201_CREATED, response_model=HandoverOut)
async def hand_over(body: HandoverIn, ctx: ReportsContext, actor: CurrentActor) -> HandoverOut:
    """Hand the shift over: finished work, follow-ups, and the forms finance handled, was
    submitted and sent back during the shift (computed from the forms)."""
    return handover_out(await handlers.hand_over(ctx, draft(body), actor), actor)


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
async def acknowledge(handover_id: int, ctx: ReportsContext, actor: CurrentActor) -> HandoverOut:
    """The next duty lead takes the shift over (403 ``same_person`` for whoever wrote it)."""
    return handover_out(await handlers.acknowledge(ctx, handover_id, actor), actor)
