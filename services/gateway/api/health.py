"""``GET /health``: the gateway's and every service's health, without signing in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.gateway import handlers
from services.gateway.api.models import HealthOut
from services.gateway.calls import gateway_of

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Health of the gateway and the services behind it",
    responses={200: {"model": HealthOut}, 503: {"model": HealthOut, "description": "Degraded"}},
)
async def health(request: Request) -> JSONResponse:
    ok, report = await handlers.health_report(gateway_of(request))
    return JSONResponse(report, status_code=200 if ok else 503)
