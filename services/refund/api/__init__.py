"""The refund service's internal HTTP API: the gateway forwards ``/api/v1/refunds/...`` and
``/api/v1/aftersales/...`` here (the service paths keep ``/refunds`` and ``/aftersales``)."""

from fastapi import APIRouter

from services.refund.api import forms, requested
from shared import health

router = APIRouter()
for part in (health, forms, requested):
    router.include_router(part.router)

__all__ = ["router"]
