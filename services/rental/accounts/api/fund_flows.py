"""Fund flows (资金流水): rentals, top-ups and refunds, insurance fees; totals; CSV export."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.rental.accounts.api.common import Accounts
from services.rental.accounts.domain.fund_flow import make_filter, yuan
from services.rental.accounts.domain.ledger import OUTFLOWS
from services.rental.accounts.handlers import fund_flows as handlers
from services.rental.api.common import Cursor, numeric_id
from shared.api.rental_accounts import FundFlowOut, FundFlowPageOut, FundFlowTotalOut
from shared.http import CurrentActor
from shared.paging import decode_cursor

router = APIRouter(tags=["fund flows"])
DateFrom = Annotated[date, Query(description="Local date, inclusive", examples=["2026-11-01"])]
DateTo = Annotated[date, Query(description="Local date, inclusive", examples=["2026-11-30"])]
Kinds = Annotated[
    list[str] | None,
    Query(
        alias="kind",
        description="rental_charge, top_up, refund_paid, insurance_fee, deposit_paid,"
        " rental_charge_raised, rental_charge_lowered; repeat"
        " for several; all when left out",
    ),
]
UserId = Annotated[str | None, Query(max_length=64)]


@router.get("/fund-flows", response_model=FundFlowPageOut)
async def get_fund_flows(
    deps: Accounts,
    _actor: CurrentActor,
    date_from: DateFrom,
    date_to: DateTo,
    kinds: Kinds = None,
    user_id: UserId = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Cursor = None,
) -> FundFlowPageOut:
    """Fund flows oldest first, with the totals per kind over the whole filter."""
    f = make_filter(date_from, date_to, kinds, user_id, deps.tz)
    position = decode_cursor(cursor)
    after = (position.at, numeric_id(position) or 0) if position is not None else None
    page = await handlers.page(deps, f, after=after, limit=limit)
    totals = [
        FundFlowTotalOut(
            kind=t.kind,
            direction="out" if t.kind in OUTFLOWS else "in",
            count=t.count,
            amount_cents=t.amount_cents,
            amount_yuan=yuan(t.amount_cents),
        )
        for t in page.totals
    ]
    first = cursor is None
    return FundFlowPageOut(
        items=[
            FundFlowOut.model_validate(
                r._asdict()
                | {
                    "direction": "out" if r.kind in OUTFLOWS else "in",
                    "amount_yuan": yuan(r.amount_cents),
                }
            )
            for r in page.page.items
        ],
        totals=totals if first else None,
        net_cents=sum(t.amount_cents * (-1 if t.direction == "out" else 1) for t in totals)
        if first
        else None,
        next_cursor=page.page.next_cursor,
        has_more=page.page.has_more,
        total=page.page.total,
    )


@router.get(
    "/fund-flows/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The fund flows as CSV"}},
)
async def export_fund_flows(
    deps: Accounts,
    _actor: CurrentActor,
    date_from: DateFrom,
    date_to: DateTo,
    kinds: Kinds = None,
    user_id: UserId = None,
) -> StreamingResponse:
    """The fund flows of the filter as CSV (UTF-8), streamed as they are read."""
    f = make_filter(date_from, date_to, kinds, user_id, deps.tz)
    name = f"fund-flows-{date_from}-{date_to}.csv"
    return StreamingResponse(
        handlers.export_csv(deps, f),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
