"""The agents' search goes past FastAPI's router (services/gateway/direct.py) and answers
as the routed request did: the sign-in, the role table, the unknown filter and the error
shapes are the same functions, checked by the route tests (test_auth, test_list_routes,
test_account_lifecycle); here, that the router is really not on its way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from starlette.types import Receive, Scope, Send

from services.gateway.direct import DirectForwards
from tests.integration.gateway.conftest import GatewayUnderTest

pytestmark = pytest.mark.integration


@contextmanager
def router_refusing(gateway: GatewayUnderTest) -> Iterator[list[str]]:
    """The router answers 599 to everything while this lasts; the paths it was asked for."""
    direct = gateway.app.router.middleware_stack
    assert isinstance(direct, DirectForwards)
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


async def test_the_search_is_answered_without_the_router(gateway: GatewayUnderTest) -> None:
    headers = await gateway.as_user("agent")
    with router_refusing(gateway) as asked:
        found = await gateway.http.get("/api/v1/vouchers?phone=13800138000", headers=headers)
        unknown = await gateway.http.get("/api/v1/vouchers?name=Li", headers=headers)
        unsigned = await gateway.http.get("/api/v1/vouchers")
        detail = await gateway.http.get("/api/v1/vouchers/C1", headers=headers)
    assert found.status_code == 200, found.text
    assert "phone=13800138000" in gateway.voucher.last()["query"]
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "unauthorized")
    assert unsigned.headers["www-authenticate"] == "Bearer"
    assert detail.status_code == 599  # a route with a path parameter: the router's
    assert asked == ["/api/v1/vouchers/C1"]


async def test_a_role_the_table_refuses_is_refused_on_the_direct_path(
    gateway: GatewayUnderTest,
) -> None:
    headers = await gateway.as_user("admin")
    with router_refusing(gateway):
        refused = await gateway.http.get("/api/v1/vouchers", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
