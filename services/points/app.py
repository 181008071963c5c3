"""Composition root of the points gateway: settings → platform → provider → deps →
subscribers, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.points.adapters.provider import SandboxBubbleProvider
from services.points.api import router
from services.points.deps import Deps
from services.points.settings import PointsSettings
from services.points.subscribers import subscriptions
from shared.contracts import POINTS_REVERSAL_REQUESTED, POINTS_REVERSAL_RESULT
from shared.http import make_app
from shared.internal_auth import require_internal_calls
from shared.platform import Platform
from shared.settings import PlatformSettings

MIGRATIONS = Path(__file__).parent / "migrations"
TOPICS = (POINTS_REVERSAL_REQUESTED, POINTS_REVERSAL_RESULT)


def create_app(platform_settings: PlatformSettings) -> FastAPI:
    """The points gateway. ``platform_settings`` are read as the service's own (``kefu
    replay`` hands it the platform's)."""
    settings = PointsSettings.of(platform_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform("points", settings, MIGRATIONS)
        try:
            await platform.open(topics=TOPICS)
            provider = SandboxBubbleProvider(
                platform.pool,
                delay_ms=settings.sandbox_points_delay_ms,
                fail_all=settings.sandbox_points_fail_all,
            )
            deps = Deps(pool=platform.pool, provider=provider, settings=settings)
            app.state.platform = platform
            app.state.deps = deps
            await platform.consume(subscriptions(deps))
            yield
        finally:
            await platform.close()

    app = make_app(
        "Kefu points gateway",
        "Internal API of the points gateway: users' bubble-points balances and movements.",
        lifespan,
    )
    require_internal_calls(app, "points", settings)
    app.include_router(router)
    return app
