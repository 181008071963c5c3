"""``GET /health``, the same on every service: the platform's report (``Platform.health``),
200 when nothing is down, else 503 with the problems named. A service includes
``router`` and keeps its platform on ``app.state.platform``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    report: dict[str, Any] = await request.app.state.platform.health()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
