"""A seller's after-sales staff, managed by its main account (seed 002, 2.2 员工管理)."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Path
from fastapi.responses import Response

from services.refund.aftersales.api.common import AftersalesContext
from services.refund.aftersales.domain.sellers import StaffMember
from services.refund.aftersales.handlers import sellers as handlers
from services.refund.api.common import answered, fields_of
from services.refund.handlers.keys import Keyed
from shared.api.aftersales import StaffIn, StaffListOut, StaffOut
from shared.http import CurrentActor, IdempotencyKey
from shared.idempotency import Command

router = APIRouter(tags=["aftersales sellers"])
SellerPath = Annotated[str, Path(min_length=1, max_length=64)]


def staff_out(row: StaffMember) -> StaffOut:
    return StaffOut.model_validate(fields_of(row))


@router.get("/sellers/{seller_id}/staff", response_model=StaffListOut)
async def list_staff(
    seller_id: SellerPath, ctx: AftersalesContext, actor: CurrentActor
) -> StaffListOut:
    """The seller's main account and its staff with their permissions (the main account
    and operations supervisors; 403 ``not_main_account`` for anyone else)."""
    rows = await handlers.list_staff(ctx, seller_id, actor)
    main = (await handlers.staffing(ctx.pool, seller_id)).main_account
    return StaffListOut(
        seller_id=seller_id,
        main_account=main,
        items=[staff_out(r) for r in rows],
        next_cursor=None,
        has_more=False,
        total=len(rows),
    )


@router.put("/sellers/{seller_id}/staff/{username}", response_model=StaffOut)
async def put_staff(
    seller_id: SellerPath,
    username: Annotated[str, Path(min_length=1, max_length=64)],
    body: StaffIn,
    ctx: AftersalesContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Add a staff member or change what they may do: ``review``, ``process``, both, or
    none. Only the seller's main account (403 ``not_main_account``). Accepts an
    Idempotency-Key: a repeat answers as the first did."""

    async def render(_: asyncpg.Connection, row: StaffMember) -> StaffOut:
        return staff_out(row)

    command = Command("set_staff", f"{seller_id}:{username}", body.model_dump(mode="json"))
    keyed = Keyed(idempotency_key, command, render)
    return answered(
        await handlers.set_staff(ctx, seller_id, username, body.permissions, actor, keyed)
    )
