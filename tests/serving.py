"""A service app under test: run inside its lifespan, spoken to through httpx in process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from tests.internal_calls import SignedLikeTheGateway


@contextlib.asynccontextmanager
async def serving(app: FastAPI, base_url: str, **client: Any) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (its lifespan entered) and an httpx client on it; ``client`` are the
    client's options (default headers, timeout). A service's client signs each request as
    the gateway would (tests.internal_calls)."""
    signer = SignedLikeTheGateway.for_app(app)
    if signer is not None:
        client.setdefault("auth", signer)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, **client) as http:
            yield http
