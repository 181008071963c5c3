"""The voucher service's internal HTTP API: the gateway forwards ``/api/v1/...`` here.

One module per area, each with its own ``router``; add yours to ``PARTS``. Routes stay
thin: parse, call one use case (``handlers/``) or read a view (``views.py``), answer.
"""

from fastapi import APIRouter

from services.voucher.api import operations, orders, vouchers
from shared import health

PARTS = (health, vouchers, orders, operations)

router = APIRouter()
for part in PARTS:
    router.include_router(part.router)

__all__ = ["router"]
