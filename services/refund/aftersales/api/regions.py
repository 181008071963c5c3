"""The divisions of a three-level return address, for the activation form's picker."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.refund.aftersales.adapters.regions import national
from services.refund.aftersales.domain import permissions, regions
from shared.api.aftersales import RegionListOut, RegionOut
from shared.http import CurrentActor

router = APIRouter(tags=["aftersales activations"])


@router.get("/regions", response_model=RegionListOut)
async def list_regions(
    actor: CurrentActor,
    parent: Annotated[
        str | None, Query(max_length=12, description="A province's or city's code; none: provinces")
    ] = None,
) -> RegionListOut:
    permissions.require(
        actor.roles,
        permissions.SELLER_STAFF | permissions.ACTIVATION_REVIEWERS,
        "reading the address divisions",
    )
    found = regions.children(parent, national())
    items = [RegionOut(code=r.code, name=r.name, has_children=r.has_children) for r in found]
    return RegionListOut(items=items, next_cursor=None, has_more=False, total=len(items))
