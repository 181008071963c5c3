"""Composition root: settings → platform → payment provider → handlers → subscribers,
background loops (``background.py``), routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI

from services.refund.adapters.payment import PaymentProvider, SandboxPayments
from services.refund.aftersales import deps as aftersales
from services.refund.aftersales.api import router as aftersales_router
from services.refund.api import router
from services.refund.background import background_tasks
from services.refund.deps import Deps
from services.refund.reports import deps as reports
from services.refund.reports.api import router as reports_router
from services.refund.settings import RefundSettings
from services.refund.subscribers import subscriptions
from shared.api.aftersales import TICKET_BODY_LIMIT
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    REFUND_COMPLETED,
    REFUND_REJECTED,
    REFUND_REQUESTED,
    REFUND_SLA_BREACHED,
)
from shared.http import make_app
from shared.input_guard import allow_body
from shared.internal_auth import require_internal_calls
from shared.platform import Platform
from shared.settings import PlatformSettings
from shared.timestamps import utc_now

MIGRATIONS = Path(__file__).parent / "migrations"
TOPICS = (
    REFUND_REQUESTED,
    REFUND_COMPLETED,
    REFUND_REJECTED,
    REFUND_SLA_BREACHED,
    NOTIFY_SMS_REQUESTED,
    NOTIFY_INAPP_REQUESTED,
)


def create_app(
    platform_settings: PlatformSettings,
    *,
    service: str = "refund",
    payments: PaymentProvider | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The refund service. ``service`` names its database (``kefu_<service>``) and consumer
    groups, so tests can run one of their own; ``payments`` replaces the sandbox provider;
    ``clock`` lets tests move time past the limits. ``platform_settings`` are read as the
    service's own (``kefu replay`` hands it the platform's)."""
    settings = RefundSettings.of(platform_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform(service, settings, MIGRATIONS)
        try:
            await platform.open(topics=TOPICS)
            deps = Deps(
                pool=platform.pool,
                settings=settings,
                payments=payments or SandboxPayments(platform.pool, settings),
                source=f"/kefu/{service}",
                clock=clock,
            )
            app.state.platform = platform
            app.state.deps = deps
            # the sub-areas: after-sales tickets (their timer sweep), handovers and reports
            # (the monthly statistics' due notices), each with its own context
            app.state.aftersales = aftersales.Context(
                pool=platform.pool, settings=settings, source=deps.source, clock=clock
            )
            app.state.reports = reports.Context(
                pool=platform.pool, settings=settings, source=deps.source, clock=clock
            )
            await platform.consume(subscriptions(deps))
            for task in background_tasks(deps, app.state.aftersales, app.state.reports):
                platform.background(task)
            yield
        finally:
            await platform.close()

    app = make_app(
        "Kefu refund service",
        "Internal API: refund forms and their approval chain, time limits, payouts, refunds"
        " requested by other services, after-sales tickets and reports. Only the gateway"
        " calls it (under /api/v1/refunds and /api/v1/aftersales).",
        lifespan,
    )
    require_internal_calls(app, "refund", settings)
    allow_body(app, "/aftersales/tickets", TICKET_BODY_LIMIT)
    app.include_router(router)
    app.include_router(aftersales_router)
    app.include_router(reports_router)
    return app
