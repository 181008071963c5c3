"""Composition root: settings → platform (database, broker) → issuer → deps → subscribers,
background loops, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.voucher.adapters.issuer import LotteryIssuer, SandboxIssuer
from services.voucher.api import router
from services.voucher.api.views import warm_up_search
from services.voucher.background import background_tasks
from services.voucher.deps import Deps
from services.voucher.domain.model import Failure
from services.voucher.settings import VoucherSettings
from services.voucher.store.waiters import OperationWaiters
from services.voucher.subscribers import subscriptions
from shared import metrics
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    POINTS_REVERSAL_REQUESTED,
    POINTS_REVERSAL_RESULT,
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
)
from shared.direct_routes import install_direct_routes
from shared.http import DIRECT_SOLVERS, make_app
from shared.internal_auth import require_internal_calls
from shared.platform import Platform
from shared.settings import PlatformSettings

MIGRATIONS = Path(__file__).parent / "migrations"
TOPICS = (
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
    POINTS_REVERSAL_REQUESTED,
    POINTS_REVERSAL_RESULT,
    NOTIFY_INAPP_REQUESTED,
)


def outcomes_known() -> None:
    """``kefu.operations`` at zero for every outcome a void or reversal can have."""
    fails = [("failed", failure.value) for failure in Failure]
    metrics.operations_known("void", [("succeeded", None), *fails])
    metrics.operations_known("reversal", [("succeeded", None), *fails])


def create_app(
    platform_settings: PlatformSettings,
    *,
    service: str = "voucher",
    issuer: LotteryIssuer | None = None,
) -> FastAPI:
    """The voucher service. ``service`` names its database (``kefu_<service>``) and consumer
    groups, so tests can run one of their own; ``issuer`` replaces the sandbox issuer.
    ``platform_settings`` are read as the service's own (``kefu replay`` hands it the
    platform's)."""
    settings = VoucherSettings.of(platform_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform(service, settings, MIGRATIONS)
        waiters: OperationWaiters | None = None
        try:
            await platform.open(topics=TOPICS)
            waiters = OperationWaiters(platform.pool)
            await waiters.start()
            deps = Deps(
                pool=platform.pool,
                issuer=issuer or SandboxIssuer(platform.pool, settings),
                settings=settings,
                waiters=waiters,
                source=f"/kefu/{service}",
            )
            app.state.platform = platform
            app.state.deps = deps
            await platform.consume(subscriptions(deps))
            outcomes_known()
            for task in background_tasks(deps):
                platform.background(task)
            await warm_up_search(platform.pool, deps.today(), settings.tz)
            yield
        finally:
            if waiters is not None:
                await waiters.stop()
            await platform.close()

    app = make_app(
        "Kefu voucher service",
        "Internal API: lottery vouchers bought with points; void, order reversal, operation"
        " records. Only the gateway calls it.",
        lifespan,
    )
    require_internal_calls(app, "voucher", settings)
    app.include_router(router)
    install_direct_routes(app, DIRECT_SOLVERS)  # the search and the reversal command
    return app
