"""Composition root of the gateway: settings → platform → tokens, keys, upstreams → routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.gateway.api import ROUTERS
from services.gateway.console import serve_console
from services.gateway.context import Gateway
from services.gateway.errors import Unauthorized
from services.gateway.handlers import seed_demo_accounts
from services.gateway.idempotency import IdempotencyKeys
from services.gateway.passwords import Passwords
from services.gateway.tokens import Tokens, token_secret
from services.gateway.upstream import Upstreams, client_timeout
from shared.http import error_body, make_app
from shared.platform import Platform
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
LEASE_MARGIN_SECONDS = 30.0
"""An in-flight Idempotency-Key is held at most this long past the upstream timeout."""


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform("gateway", settings, MIGRATIONS)
        await platform.open()
        timeout = client_timeout(settings)
        client = httpx.AsyncClient(timeout=timeout)
        try:
            passwords = Passwords()
            demo = settings.demo_password.get_secret_value() if settings.demo_password else None
            await seed_demo_accounts(platform.pool, passwords, demo)
            ttl = timedelta(minutes=settings.token_ttl_minutes)
            keys = IdempotencyKeys(
                platform.pool, timedelta(seconds=(timeout.read or 0) + LEASE_MARGIN_SECONDS)
            )
            app.state.gateway = Gateway(
                settings=settings,
                platform=platform,
                tokens=Tokens(token_secret(settings), ttl),
                passwords=passwords,
                upstreams=Upstreams(client, settings),
                keys=keys,
            )
            platform.background(keys.purge_forever())
            yield
        finally:
            await client.aclose()
            await platform.close()

    app = make_app(
        "Kefu gateway",
        "The API customer-service agents use. Sign in with POST /api/v1/auth/login, then send"
        " `Authorization: Bearer <access_token>`. Every POST but login honours an"
        " Idempotency-Key; void, reversal and retry require one.",
        lifespan,
    )

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message),
            status_code=exc.status,
            headers={"WWW-Authenticate": "Bearer"},
        )

    for router in ROUTERS:
        app.include_router(router)
    serve_console(app)
    return app
