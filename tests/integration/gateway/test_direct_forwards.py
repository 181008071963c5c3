"""The agents' search goes past FastAPI's router (services/gateway/direct.py) and answers
as the routed request did: the sign-in, the role table, the unknown filter and the error
shapes are the same functions, checked by the route tests (test_auth, test_list_routes,
test_account_lifecycle); here, that the router is really not on its way."""

from __future__ import annotations

import pytest

from tests.integration.gateway.conftest import GatewayUnderTest
from tests.serving import router_refusing

pytestmark = pytest.mark.integration


async def test_the_search_is_answered_without_the_router(gateway: GatewayUnderTest) -> None:
    headers = await gateway.as_user("agent")
    with router_refusing(gateway.app) as asked:
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
    with router_refusing(gateway.app):
        refused = await gateway.http.get("/api/v1/vouchers", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
