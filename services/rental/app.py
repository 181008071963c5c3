"""Composition root: settings → platform → handlers → subscribers, background loops, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.rental.accounts.deps import AccountDeps
from services.rental.api import router
from services.rental.background import background_tasks
from services.rental.deps import Deps
from services.rental.settings import RentalSettings
from services.rental.subscribers import subscriptions
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    REFUND_COMPLETED,
    REFUND_REJECTED,
    REFUND_REQUESTED,
    RENTAL_FEEDBACK_SUBMITTED,
    RENTAL_INSURANCE_APPLIED,
    RENTAL_LOCK_STATE_REPORTED,
    RENTAL_PAYMENT_RECEIVED,
    RENTAL_TRIP_ENDED,
    RENTAL_TRIP_STARTED,
    RENTAL_USER_BLACKLISTED,
    RENTAL_USER_REGISTERED,
    RENTAL_USER_RESTORED,
    Topic,
)
from shared.http import make_app
from shared.internal_auth import require_internal_calls
from shared.platform import Platform
from shared.settings import PlatformSettings
from shared.timestamps import utc_now

MIGRATIONS = Path(__file__).parent / "migrations"
TOPICS: tuple[Topic[Any], ...] = (
    RENTAL_USER_REGISTERED,
    RENTAL_TRIP_STARTED,
    RENTAL_TRIP_ENDED,
    RENTAL_LOCK_STATE_REPORTED,
    RENTAL_FEEDBACK_SUBMITTED,
    RENTAL_INSURANCE_APPLIED,
    RENTAL_PAYMENT_RECEIVED,
    RENTAL_USER_BLACKLISTED,
    RENTAL_USER_RESTORED,
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    REFUND_REQUESTED,
    REFUND_COMPLETED,
    REFUND_REJECTED,
)
"""Every topic this service reads or writes: created (with their DLQs) at start."""


def create_app(
    platform_settings: PlatformSettings,
    *,
    service: str = "rental",
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The rental service. ``service`` names its database (``kefu_<service>``) and consumer
    groups, so tests can run one of their own; ``clock`` lets tests move time.
    ``platform_settings`` are read as the service's own (``kefu replay`` hands it the
    platform's)."""
    settings = RentalSettings.of(platform_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform(service, settings, MIGRATIONS)
        try:
            await platform.open(topics=TOPICS)
            deps = Deps(
                pool=platform.pool, settings=settings, source=f"/kefu/{service}", clock=clock
            )
            app.state.platform = platform
            app.state.deps = deps
            accounts = AccountDeps.of(deps, service=service)
            app.state.accounts = accounts
            await platform.consume(subscriptions(deps))
            for task in background_tasks(deps, accounts):
                platform.background(task)
            yield
        finally:
            await platform.close()

    app = make_app(
        "Kefu rental service",
        "Internal API of the bike-rental customer service: users, blacklist, rental orders"
        " and their exception fix, feedback, insurance applications, the user guide, daily"
        " statistics, accounts and stored value. Only the gateway calls it (under"
        " /api/v1/rental).",
        lifespan,
    )
    require_internal_calls(app, "rental", settings)
    app.include_router(router)
    return app
