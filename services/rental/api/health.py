from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    report: dict[str, Any] = await request.app.state.platform.health()
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
