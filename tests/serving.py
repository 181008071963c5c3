"""A service app under test: run inside its lifespan, spoken to through httpx in process."""

from __future__ import annotations

import contextlib
import re
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
