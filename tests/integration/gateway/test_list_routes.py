"""The lists of vouchers, notify and after-sales through the gateway: a filter the route
does not declare is refused there (never forwarded, never ignored), the declared ones
and the cursor are passed on as given (issue 12, points 5, 6, 11 and 13)."""

from __future__ import annotations

import pytest

from tests.integration.gateway.conftest import GatewayUnderTest, StandIn

pytestmark = pytest.mark.integration

LISTS = [
    ("agent", "voucher", "/api/v1/vouchers", "phone=13800138000&status=available"),
    ("agent", "notify", "/api/v1/notify/sms", "phone=13800138000&status=sent"),
    ("lead", "notify", "/api/v1/notify/sms/code-lookups", "phone=13800138000"),
    ("agent", "notify", "/api/v1/notify/inbox/me", "unread_only=true"),
    ("agent", "notify", "/api/v1/notify/users/U1/inbox", "unread_only=true"),
    ("agent", "notify", "/api/v1/notify/announcements", "status=online"),
    (
        "agent",
        "refund",
        "/api/v1/aftersales/tickets",
        "order_no=O1&customer_id=U1&seller_id=S1&outcome=reject"
        "&created_from=2026-12-01&created_to=2026-12-06",
    ),
    ("agent", "refund", "/api/v1/aftersales/tickets/overdue", "stage=review&seller_id=S1"),
    ("ops", "refund", "/api/v1/aftersales/activations", "status=approved"),
]


def stand_in(gateway: GatewayUnderTest, service: str) -> StandIn:
    found: StandIn = getattr(gateway, service)
    return found


@pytest.mark.parametrize(("who", "service", "path", "filters"), LISTS)
async def test_a_list_refuses_an_unknown_filter_and_passes_its_own_on(
    gateway: GatewayUnderTest, who: str, service: str, path: str, filters: str
) -> None:
    headers = await gateway.as_user(who)
    behind = stand_in(gateway, service)
    before = len(behind.seen)
    unknown = await gateway.http.get(f"{path}?{filters}&name=Li", headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_filter")
    assert "name" in unknown.json()["message"]
    assert len(behind.seen) == before  # refused at the gateway, never forwarded

    query = f"{filters}&limit=5&cursor=abc"
    forwarded = await gateway.http.get(f"{path}?{query}", headers=headers)
    assert forwarded.status_code == 200, forwarded.text
    assert "limit=5&cursor=abc" in behind.last()["query"]
