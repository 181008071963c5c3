"""The agents' search goes past FastAPI's router in the voucher service too
(shared/direct_routes.py) and answers exactly as the routed request did: the same bytes for
a found page, a refused filter, an unknown filter and a call without an acting agent."""

from __future__ import annotations

import pytest

from tests.integration.voucher.conftest import Voucher, make_order, random_phone
from tests.serving import router_alone, router_refusing

pytestmark = pytest.mark.integration


async def test_the_search_answers_the_routers_bytes_without_the_router(
    voucher: Voucher, ids
) -> None:
    phone = random_phone()
    first, second = ids("DA"), ids("DB")
    await voucher.issue(make_order(ids("MDA"), [first, second], phone=phone))
    await voucher.wait_issued(first, second)
    asks = [
        ({"phone": phone, "limit": "1"}, {}),
        ({"phone": phone, "status": "lost"}, {}),
        ({"phone": phone, "name": "Li"}, {}),
        ({"phone": phone}, {"X-Kefu-Actor": ""}),  # no acting agent: 400 actor_required
    ]

    with router_refusing(voucher.app) as asked:
        ours = [await voucher.http.get("/vouchers", params=p, headers=h) for p, h in asks]
        detail = await voucher.http.get(f"/vouchers/{first}")
    assert detail.status_code == 599 and asked == [f"/vouchers/{first}"]
    with router_alone(voucher.app):  # FastAPI's router, as before
        theirs = [await voucher.http.get("/vouchers", params=p, headers=h) for p, h in asks]
    assert [a.status_code for a in ours] == [200, 422, 422, 400], [a.text for a in ours]
    assert ours[0].json()["items"][0]["code"] == second and ours[0].json()["has_more"]
    for mine, router in zip(ours, theirs, strict=True):
        assert (mine.status_code, mine.content) == (router.status_code, router.content)
        assert mine.headers["content-type"] == router.headers["content-type"]
