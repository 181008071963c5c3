"""The points gateway's internal HTTP API (the gateway calls it for agents).

One module per area, each with its own ``router``; add yours to ``PARTS``.
"""

from fastapi import APIRouter

from services.points.api import points
from shared import health

PARTS = (health, points)

router = APIRouter()
for part in PARTS:
    router.include_router(part.router)

__all__ = ["router"]
