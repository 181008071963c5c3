"""A service app under test: run inside its lifespan, spoken to through httpx in process."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Iterator
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


_REFERENCE = re.compile(r"""(?:href|src|spec-url)="([^"]*)"|url: '([^']*)'""")


async def docs_page_references(http: httpx.AsyncClient, page: str) -> list[str]:
    """Every URL the docs ``page`` references, each checked to be served by ``http`` itself.

    Fails if the page names another host (a CDN, a font service) or an asset is missing:
    a page that works only online is blank on a machine without internet.
    """
    answer = await http.get(page)
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "://" not in html, f"{page} names another host"
    references = [a or b for a, b in _REFERENCE.findall(html)]
    assert references, html
    for url in references:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = await http.get(url)
        assert asset.status_code == 200, (url, asset.status_code)
        assert asset.content, url
    return references


@contextlib.contextmanager
def router_refusing(app: FastAPI) -> Iterator[list[str]]:
    """The router of ``app`` (behind its direct routes, shared.direct_routes) answers 599 to
    everything while this lasts: what is answered, the direct path answered. Yields the
    paths the router was asked for."""
    from starlette.types import Receive, Scope, Send

    from shared.direct_routes import DirectRoutes

    direct = app.router.middleware_stack
    assert isinstance(direct, DirectRoutes)
    routed, asked = direct.app, []

    async def refusing(scope: Scope, receive: Receive, send: Send) -> None:
        asked.append(scope["path"])
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    direct.app = refusing
    try:
        yield asked
    finally:
        direct.app = routed


@contextlib.contextmanager
def router_alone(app: FastAPI) -> Iterator[None]:
    """``app`` without its direct routes while this lasts: every request routed by FastAPI."""
    from shared.direct_routes import DirectRoutes

    direct = app.router.middleware_stack
    assert isinstance(direct, DirectRoutes)
    app.router.middleware_stack = direct.app  # type: ignore[assignment]
    try:
        yield
    finally:
        app.router.middleware_stack = direct
