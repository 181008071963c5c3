"""After-sales' internal HTTP API, under ``/aftersales`` (the gateway's ``/api/v1/aftersales``)."""

from fastapi import APIRouter

from services.refund.aftersales.api import activations, quality, regions, sellers, tickets

router = APIRouter(prefix="/aftersales")
for part in (activations, regions, tickets, quality, sellers):
    router.include_router(part.router)

__all__ = ["router"]
