"""/docs and /redoc of every service load nothing from the internet."""

from __future__ import annotations

import importlib

import httpx
import pytest

from shared.settings import SERVICES, Settings
from tests.internal_calls import SignedLikeTheGateway
from tests.serving import docs_page_references


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_and_every_asset_they_reference_come_from_the_service(
    service: str, page: str
) -> None:
    app = importlib.import_module(f"services.{service}.app").create_app(Settings())
    transport = httpx.ASGITransport(app=app)
    # a service answers only the gateway's signed calls, its docs pages included
    signed = SignedLikeTheGateway.for_app(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://service", auth=signed
    ) as http:
        references = await docs_page_references(http, page)
    assert "/openapi.json" in references
    script = "/docs/assets/swagger-ui-bundle.js" if page == "/docs" else "redoc.standalone.js"
    assert any(url.endswith(script) for url in references), references
