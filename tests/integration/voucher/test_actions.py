"""A voucher's ``actions`` say what the service will allow (issue 12, point 1): for each
action, what is offered is accepted and what is not offered is refused."""

from __future__ import annotations

from typing import Any

import pytest

from services.voucher.api.views import WARM_UP_FILTERS, list_vouchers, warm_up_search
from services.voucher.domain.query import parse_query
from shared.db.pool import create_pool
from tests.infra import eventually
from tests.integration.voucher.conftest import Voucher
from tests.integration.voucher.test_reversal import order, reverse

pytestmark = pytest.mark.integration

REASON = "工单 12: 用户要求"
OPS = {"X-Kefu-Actor": "ops.wu", "X-Kefu-Roles": "ops_supervisor"}


async def actions(voucher: Voucher, code: str, **headers: str) -> list[str]:
    answer = await voucher.http.get(f"/vouchers/{code}", headers=headers)
    assert answer.status_code == 200, answer.text
    detail: list[str] = answer.json()["actions"]
    listed = await voucher.http.get("/vouchers", params={"code": code}, headers=headers)
    assert [i["actions"] for i in listed.json()["items"]] == [detail]  # list and detail agree
    return detail


async def void(voucher: Voucher, code: str, **headers: str) -> Any:
    return await voucher.http.post(
        f"/vouchers/{code}/void", json={"reason": REASON}, headers=headers
    )


def refused(answer: Any, status: int, code: str) -> bool:
    return bool(answer.status_code == status and answer.json()["code"] == code)


async def test_a_used_voucher_of_the_order_takes_reverse_off_its_other_vouchers(
    voucher: Voucher, ids
) -> None:
    order_no, (kept, used) = await order(voucher, ids, "A1", "A2")
    assert await actions(voucher, kept) == ["void", "reverse"]
    await voucher.redeem(used)

    async def redeemed() -> bool:
        return bool((await voucher.voucher(used))["status"] == "used")

    await eventually(redeemed)

    assert await actions(voucher, kept) == ["void"]
    assert refused(await reverse(voucher, order_no), 409, "voucher_used")
    voided = await void(voucher, kept)
    assert voided.status_code == 200 and voided.json()["status"] == "succeeded", voided.text
    assert await actions(voucher, kept) == []


async def test_a_telecom_points_order_offers_void_only_and_refuses_reversal(
    voucher: Voucher, ids
) -> None:
    order_no, (code,) = await order(voucher, ids, "T1", source="telecom_points")
    assert await actions(voucher, code) == ["void"]
    assert refused(await reverse(voucher, order_no), 409, "source_not_reversible")
    assert (await void(voucher, code)).json()["status"] == "succeeded"


async def test_an_offered_reversal_is_accepted_and_then_nothing_is_offered(
    voucher: Voucher, ids
) -> None:
    order_no, codes = await order(voucher, ids, "R1", "R2")
    assert [await actions(voucher, c) for c in codes] == [["void", "reverse"]] * 2
    started = await reverse(voucher, order_no)
    assert started.status_code == 200, started.text
    # voided by the saga (or being voided): neither button, and a void is refused
    assert [await actions(voucher, c) for c in codes] == [[], []]
    assert (await void(voucher, codes[0])).status_code == 409


async def test_roles_that_may_not_void_see_no_buttons_and_are_refused(
    voucher: Voucher, ids
) -> None:
    order_no, (code,) = await order(voucher, ids, "P1")
    assert await actions(voucher, code, **OPS) == []
    assert refused(await void(voucher, code, **OPS), 403, "role_required")
    assert refused(await reverse(voucher, order_no, **OPS), 403, "role_required")
    assert await actions(voucher, code) == ["void", "reverse"]  # nothing happened


class _Statements:
    """A pool that counts the statements run through it and lends no connection."""

    def __init__(self, pool: Any) -> None:
        self.pool, self.count = pool, 0

    async def fetch(self, sql: str, *args: Any) -> Any:
        self.count += 1
        return await self.pool.fetch(sql, *args)

    def acquire(self) -> Any:
        raise AssertionError("a second statement on a connection of its own")


async def test_a_page_and_its_orders_facts_are_one_statement(voucher: Voucher, ids) -> None:
    """One round trip a search: the action flags' order facts come with the page's rows."""
    _, codes = await order(voucher, ids, "S1", "S2")
    settings, deps = voucher.settings, voucher.app.state.deps
    counted = _Statements(voucher.pool)
    query = parse_query({"code": codes[1]}, settings.tz)
    page = await list_vouchers(counted, query, frozenset({"agent"}), deps.today(), settings.tz)
    assert counted.count == 1
    assert [(i.code, i.actions) for i in page.items] == [(codes[1], ["void", "reverse"])]


async def test_the_warm_up_opens_every_pooled_connection_and_searches_each_shape(
    voucher: Voucher,
) -> None:
    """Agents' first searches do not open connections or prepare statements: start-up did.

    On a pool of its own: the package's shared service has served other tests by now, and
    asyncpg may have closed an idle connection or let its statement cache evict a shape."""
    platform = voucher.app.state.platform
    pool = await create_pool(voucher.settings.database_url_for(platform.service), max_size=3)
    try:
        await warm_up_search(pool, voucher.app.state.deps.today(), voucher.settings.tz)
        assert pool.get_size() == pool.get_max_size()
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        try:
            shapes = [
                await conn.fetchval(
                    "SELECT count(*) FROM pg_prepared_statements"
                    " WHERE statement LIKE '%f.valid_tos%'"
                )
                for conn in held
            ]
        finally:
            for conn in held:
                await pool.release(conn)
    finally:
        await pool.close()
    # the statuses used and voided share a statement
    assert all(n >= len(WARM_UP_FILTERS) - 1 for n in shapes), shapes
