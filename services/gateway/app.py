"""Composition root of the gateway: settings → platform → tokens, keys, upstreams → routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.gateway.accounts import Accounts
from services.gateway.api import ROUTERS
from services.gateway.console import serve_console
from services.gateway.context import Gateway
from services.gateway.direct import install_direct_forwards
from services.gateway.domain.route_rule import AFTERSALES_PREFIX
from services.gateway.errors import Unauthorized
from services.gateway.handlers import seed_demo_accounts
from services.gateway.idempotency import IdempotencyKeys
from services.gateway.openapi_answers import declare_common_answers
from services.gateway.passwords import Passwords
from services.gateway.settings import GatewaySettings
from services.gateway.sign_in import TooManyAttempts, purge_attempts_forever, sign_in_guard
from services.gateway.tokens import Tokens, token_secret
from services.gateway.upstream import Upstreams, upstream_client
from shared.api.aftersales import TICKET_BODY_LIMIT
from shared.http import error_body, make_app
from shared.input_guard import allow_body
from shared.internal_auth import InternalSigner, internal_key
from shared.platform import Platform
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform("gateway", settings, MIGRATIONS)
        await platform.open()
        client = upstream_client(settings)
        passwords: Passwords | None = None
        try:
            passwords = Passwords(
                workers=settings.password_hash_workers, queue=settings.password_hash_queue
            )
            demo = settings.demo_password.get_secret_value() if settings.demo_password else None
            await seed_demo_accounts(platform.pool, passwords, demo)
            ttl = timedelta(minutes=settings.token_ttl_minutes)
            keys = IdempotencyKeys(
                platform.pool, timedelta(seconds=settings.idempotency_lease_seconds)
            )
            secret = token_secret(settings)
            gateway_settings = GatewaySettings.of(settings)
            app.state.gateway = Gateway(
                settings=settings,
                platform=platform,
                tokens=Tokens(secret, ttl),
                passwords=passwords,
                sign_ins=sign_in_guard(platform.pool, secret, settings),
                upstreams=Upstreams(client, settings, InternalSigner(internal_key(settings))),
                keys=keys,
                accounts=Accounts(platform.pool, gateway_settings.account_check_seconds),
            )
            platform.background(keys.purge_forever())
            platform.background(purge_attempts_forever(app.state.gateway.sign_ins))
            yield
        finally:
            if passwords is not None:
                passwords.close()
            await client.close()
            await platform.close()

    app = make_app(
        "Kefu gateway",
        "The API customer-service agents use. Sign in with POST /api/v1/auth/login, then send"
        " `Authorization: Bearer <access_token>`. Every POST but login honours an"
        " Idempotency-Key; void, reversal and retry require one.",
        lifespan,
    )

    @app.exception_handler(TooManyAttempts)
    async def _too_many(_: Request, exc: TooManyAttempts) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message),
            status_code=exc.status,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message),
            status_code=exc.status,
            headers={"WWW-Authenticate": "Bearer"},
        )

    allow_body(app, f"{AFTERSALES_PREFIX}/tickets", TICKET_BODY_LIMIT)
    for router in ROUTERS:
        app.include_router(router)
    serve_console(app, GatewaySettings.of(settings).console_dist)
    declare_common_answers(app)
    install_direct_forwards(app)
    return app
