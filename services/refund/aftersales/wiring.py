"""How after-sales, the shift handover and the reports join the refund service's app.

The composition root (``services/refund/app.py``) calls :func:`attach` in its lifespan
and includes :data:`ROUTERS`; everything else about them stays in their packages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, FastAPI

from services.refund.aftersales.api import router as aftersales_router
from services.refund.aftersales.handlers.context import Context
from services.refund.aftersales.handlers.sweep import run_sweeps
from services.refund.reports.api import router as reports_router
from services.refund.reports.handlers.due import run_notices
from services.refund.settings import RefundSettings
from shared.platform import Platform

ROUTERS: tuple[APIRouter, ...] = (aftersales_router, reports_router)


def attach(
    app: FastAPI,
    platform: Platform,
    settings: RefundSettings,
    *,
    source: str,
    clock: Callable[[], datetime],
) -> Context:
    """Give the routes (after-sales, handovers, reports) their context and start the
    tickets' timer sweep and the monthly statistics' due notices."""
    ctx = Context(pool=platform.pool, settings=settings, source=source, clock=clock)
    app.state.aftersales = ctx
    platform.background(run_sweeps(ctx))
    platform.background(run_notices(ctx))
    return ctx
