"""Composition root: settings → platform → SMS providers → handlers → subscribers, background
loops, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.notify.adapters.failover import FailoverSender
from services.notify.adapters.sandbox_sms import sandbox_providers
from services.notify.adapters.sms_provider import SmsProvider
from services.notify.api import router
from services.notify.background import background_tasks
from services.notify.deps import Deps
from services.notify.settings import NotifySettings
from services.notify.subscribers import subscriptions
from shared import sealing
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_FAILED,
    NOTIFY_SMS_REQUESTED,
    NOTIFY_SMS_SENT,
)
from shared.devstack.secrets import persisted_secret
from shared.http import make_app
from shared.internal_auth import require_internal_calls
from shared.platform import Platform
from shared.settings import PlatformSettings

MIGRATIONS = Path(__file__).parent / "migrations"
TOPICS = (NOTIFY_SMS_REQUESTED, NOTIFY_INAPP_REQUESTED, NOTIFY_SMS_SENT, NOTIFY_SMS_FAILED)
CODE_SECRET_FILE = "notify_code_secret"


def code_key(settings: NotifySettings) -> bytes:
    """The HMAC key of verification codes: from settings, else generated once under ``home``
    (several replicas must share one: set ``KEFU_VERIFICATION_CODE_SECRET``)."""
    if settings.verification_code_secret is not None:
        return settings.verification_code_secret.get_secret_value().encode()
    return persisted_secret(settings.home / CODE_SECRET_FILE, 32).encode()


def create_app(
    platform_settings: PlatformSettings,
    *,
    service: str = "notify",
    providers: Sequence[SmsProvider] | None = None,
) -> FastAPI:
    """The notify service. ``service`` names its database (``kefu_<service>``) and consumer
    groups, so tests can run one of their own; ``providers`` replace the sandbox pair.
    ``platform_settings`` are read as the service's own (``kefu replay`` hands it the
    platform's)."""
    settings = NotifySettings.of(platform_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform(service, settings, MIGRATIONS)
        try:
            await platform.open(topics=TOPICS)
            deps = Deps(
                pool=platform.pool,
                settings=settings,
                sender=FailoverSender(providers or sandbox_providers(platform.pool, settings)),
                code_key=code_key(settings),
                seal_key=sealing.private_key(settings),
                source=f"/kefu/{service}",
            )
            app.state.platform = platform
            app.state.deps = deps
            await platform.consume(subscriptions(deps))
            for task in background_tasks(deps):
                platform.background(task)
            yield
        finally:
            await platform.close()

    app = make_app(
        "Kefu notify service",
        "Internal API: the SMS log and the recorded look-up of the latest verification code,"
        " verification codes, in-app inboxes, and the front-page announcements. Only the"
        " gateway calls it (under /api/v1/notify).",
        lifespan,
    )
    require_internal_calls(app, "notify", settings)
    app.include_router(router)
    return app
