"""The rental service's internal HTTP API: the gateway forwards ``/api/v1/rental/...`` here.

One module per area, each with its own ``router``; add yours to ``PARTS``.
"""

from fastapi import APIRouter

from services.rental.accounts.api import accounts, fund_flows, topups
from services.rental.api import feedback, guide, orders, statistics, users
from shared import health

PARTS = (health, users, orders, feedback, guide, statistics, accounts, topups, fund_flows)

router = APIRouter()
for part in PARTS:
    router.include_router(part.router)

__all__ = ["router"]
