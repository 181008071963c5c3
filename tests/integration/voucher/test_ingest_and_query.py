"""Exchange orders arrive over Kafka and become searchable: every filter, keyset pages,
each message applied once however often it comes, a redemption before its voucher kept."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

import pytest

from shared.contracts import VOUCHER_ISSUED, VOUCHER_REDEEMED
from tests.infra import eventually
from tests.integration.voucher.conftest import Voucher, make_order, random_phone

pytestmark = pytest.mark.integration

PAST = date(2019, 1, 1)
FUTURE = date(2099, 12, 31)


async def codes(voucher: Voucher, **params: Any) -> list[str]:
    response = await voucher.http.get("/vouchers", params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_every_filter_alone_and_combined(voucher: Voucher, ids) -> None:
    phone, user = random_phone(), ids("U")
    a1, a2, b1, c1, d1 = (ids(x) for x in ("A1x", "A2x", "B1x", "C1x", "D1x"))
    orders = [
        make_order(ids("MA"), [a1, a2], user_id=user, phone=phone,
                   exchanged_at=at("2018-12-30T10:13:22+08:00"), valid_to=FUTURE),
        make_order(ids("MB"), [b1], user_id=user, phone=phone, source="telecom_points",
                   exchanged_at=at("2018-12-31T09:00:00+08:00"), valid_to=PAST),
        # 00:30 in Shanghai is still 31 December in UTC: order dates are local days
        make_order(ids("MC"), [c1], user_id=user, phone=phone, source="e_coupon",
                   deduction_status="pending", exchanged_at=at("2019-01-01T00:30:00+08:00"),
                   valid_to=FUTURE),
        make_order(ids("MD"), [d1], user_id=ids("V"), phone=phone,
                   exchanged_at=at("2019-01-02T23:59:00+08:00"), valid_to=FUTURE),
    ]  # fmt: skip
    for order in orders:
        await voucher.issue(order)
    await voucher.wait_issued(a1, a2, b1, c1, d1)
    await voucher.redeem(a1, store_id="S-0571")
    await eventually(lambda: _status(voucher, a1, "used"))

    assert await codes(voucher, phone=phone) == [d1, c1, b1, a2, a1]
    assert await codes(voucher, user_id=user) == [c1, b1, a2, a1]
    assert await codes(voucher, code=b1) == [b1]
    assert await codes(voucher, merchant_order_no=ids("MA")) == [a2, a1]
    assert await codes(voucher, phone=phone, source="bubble") == [d1, a2, a1]
    assert await codes(voucher, phone=phone, source="telecom_points") == [b1]
    assert await codes(voucher, phone=phone, status="used") == [a1]
    assert await codes(voucher, phone=phone, status="expired") == [b1]
    assert await codes(voucher, phone=phone, status="available") == [d1, c1, a2]
    assert await codes(voucher, phone=phone, status="voided") == []
    assert await codes(voucher, phone=phone, order_date_from="2019-01-01") == [d1, c1]
    assert await codes(voucher, phone=phone, order_date_to="2018-12-31") == [b1, a2, a1]
    assert await codes(
        voucher, phone=phone, order_date_from="2019-01-01", order_date_to="2019-01-01"
    ) == [c1]
    assert await codes(
        voucher, user_id=user, source="bubble", status="available", order_date_to="2018-12-30"
    ) == [a2]
    assert await codes(voucher, phone=phone, code=d1, user_id=user) == []

    items = {
        i["code"]: i
        for i in (await voucher.http.get("/vouchers", params={"phone": phone})).json()["items"]
    }
    assert items[a2] == {
        "code": a2,
        "merchant_order_no": ids("MA"),
        "exchanged_at": "2018-12-30T10:13:22+08:00",
        "order_status": "exchanged",
        "source": "bubble",
        "deduction_status": "deducted",
        "status": "available",
        "face_value": "10.00",
        "valid_from": "2099-11-01",
        "valid_to": "2099-12-31",
        "phone": f"{phone[:3]}****{phone[-4:]}",
        "user_id": user,
        "redeemed_at": None,
        "store_id": None,
        # a1, of the same order, was used: the order cannot be reversed (issue 12, point 1)
        "actions": ["void"],
    }
    assert items[a1]["status"] == "used" and items[a1]["actions"] == []
    assert items[a1]["store_id"] == "S-0571"
    assert items[a1]["redeemed_at"] == "2019-01-02T09:00:00+08:00"
    assert items[b1]["status"] == "expired" and items[b1]["actions"] == []
    assert items[c1]["actions"] == ["void"]  # e-coupons have no refund interface
    assert all(phone not in str(item) for item in items.values())


async def _status(voucher: Voucher, code: str, status: str) -> bool:
    return bool((await voucher.voucher(code))["status"] == status)


async def test_keyset_pages_cover_everything_once_newest_first(voucher: Voucher, ids) -> None:
    user = ids("P")
    same_time = "2019-03-01T12:00:00+08:00"  # ties are broken by code
    times = [
        "2019-02-01T08:00:00+08:00",
        same_time,
        same_time,
        "2019-04-01T08:00:00+08:00",
        "2019-05-05T08:00:00+08:00",
    ]
    expected: list[tuple[str, str]] = []
    for n, when in enumerate(times):
        order_codes = [f"{ids('K')}{n}{k}" for k in range(5)]
        await voucher.issue(
            make_order(f"{ids('MK')}{n}", order_codes, user_id=user, exchanged_at=at(when))
        )
        expected += [(at(when).isoformat(), code) for code in order_codes]
    await voucher.wait_issued(*(code for _, code in expected))
    expected.sort(reverse=True)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"user_id": user, "limit": "10"} | ({"cursor": cursor} if cursor else {})
        body = (await voucher.http.get("/vouchers", params=params)).json()
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [code for _, code in expected]

    first = (await voucher.http.get("/vouchers", params={"user_id": user})).json()
    assert len(first["items"]) == 20 and first["next_cursor"]  # the default page size
    assert first["has_more"] is True
    last = (await voucher.http.get("/vouchers", params={"user_id": user, "limit": "25"})).json()
    assert len(last["items"]) == 25 and last["next_cursor"] is None
    assert last["has_more"] is False


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"status": "lost"}, "invalid_status"),
        ({"source": "cash"}, "invalid_source"),
        ({"limit": "101"}, "invalid_limit"),
        ({"order_date_from": "30/12/2018"}, "invalid_order_date_from"),
        (
            {"order_date_from": "2019-01-02", "order_date_to": "2019-01-01"},
            "invalid_order_date_range",
        ),
        ({"cursor": "garbage"}, "invalid_cursor"),
        ({"phone": "call me"}, "invalid_phone"),
        # a filter this list does not have is refused, never ignored (issue 12, point 5)
        ({"order_no": "M1", "phone": "13800138000"}, "unknown_filter"),
    ],
)
async def test_bad_filters_are_422_with_a_code(voucher: Voucher, params, code) -> None:
    response = await voucher.http.get("/vouchers", params=params)
    assert response.status_code == 422
    assert response.json()["code"] == code and response.json()["message"]


async def test_unknown_and_untouched_vouchers(voucher: Voucher, ids) -> None:
    for path in (f"/vouchers/{ids('NONE')}", f"/vouchers/{ids('NONE')}/operations"):
        response = await voucher.http.get(path)
        assert response.status_code == 404 and response.json()["code"] == "voucher_not_found"
    code = ids("FRESH")
    await voucher.issue(make_order(ids("MF"), [code]))
    await voucher.wait_issued(code)
    assert (await voucher.http.get(f"/vouchers/{code}/operations")).json()["items"] == []
    assert (await voucher.voucher(code))["operations"] == []


async def test_an_issued_order_applies_once_however_often_it_arrives(voucher: Voucher, ids) -> None:
    order_no, code = ids("MDUP"), ids("DUP")
    ce_id = await voucher.issue(make_order(order_no, [code], points=100))
    await voucher.issue(make_order(order_no, [code], points=100), ce_id=ce_id)  # redelivered
    # the platform publishes the order again under a new id, even with other vouchers
    await voucher.issue(make_order(order_no, [code, ids("DUPX")], points=999))
    sentinel = ids("SENT")
    await voucher.publish(
        VOUCHER_ISSUED.name, make_order(ids("MSENT"), [sentinel]), key=order_no
    )  # same key, same partition: it comes after the copies
    await voucher.wait_issued(sentinel)
    rows = await voucher.pool.fetch(
        "SELECT v.code, o.points_deducted FROM vouchers v JOIN orders o USING (merchant_order_no)"
        " WHERE merchant_order_no = $1",
        order_no,
    )
    assert [(r["code"], r["points_deducted"]) for r in rows] == [(code, 100)]


async def test_a_burst_is_ingested_in_batches_once_each(voucher: Voucher, ids) -> None:
    user = ids("B")
    orders = [
        make_order(f"{ids('MB')}{n:04d}", [f"{ids('BC')}{n:04d}"], user_id=user) for n in range(600)
    ]
    copy = make_order(orders[1]["merchant_order_no"], [ids("BCOPY")], user_id=user)
    deliveries = []
    for order in [*orders, orders[0], copy]:  # two re-sent orders inside the burst
        _, delivered = await voucher.send(
            VOUCHER_ISSUED.name, order, key=order["merchant_order_no"]
        )
        deliveries.append(delivered)
    await asyncio.gather(*deliveries)

    async def all_in() -> bool:
        n = await voucher.pool.fetchval("SELECT count(*) FROM vouchers WHERE user_id = $1", user)
        return bool(n == 600)

    await eventually(all_in, within=30)
    await asyncio.sleep(0.3)  # the copies sit at the end of their partitions: let them land
    assert (
        await voucher.pool.fetchval("SELECT count(*) FROM vouchers WHERE user_id = $1", user) == 600
    )


async def test_a_redemption_applies_once(voucher: Voucher, ids) -> None:
    code, other = ids("RED"), ids("REDO")
    await voucher.issue(make_order(ids("MRED"), [code, other]))
    await voucher.wait_issued(code, other)
    ce_id = await voucher.redeem(code, store_id="S-1")
    await voucher.redeem(code, store_id="S-1", ce_id=ce_id)
    await voucher.redeem(code, store_id="S-2")  # reported again by another system: no-op
    payload = {"code": other, "redeemed_at": "2019-01-03T09:00:00+08:00", "store_id": "S-3"}
    await voucher.publish(VOUCHER_REDEEMED.name, payload, key=code)  # after them, same partition
    await eventually(lambda: _status(voucher, other, "used"))
    row = await voucher.pool.fetchrow("SELECT status, store_id FROM vouchers WHERE code = $1", code)
    assert (row["status"], row["store_id"]) == ("used", "S-1")


async def test_a_redemption_before_its_voucher_is_parked_then_applied(
    voucher: Voucher, ids
) -> None:
    code = ids("EARLY")
    ce_id = await voucher.redeem(code, store_id="S-9")

    async def parked() -> bool:
        return bool(
            await voucher.pool.fetchval(
                "SELECT count(*) FROM parked_messages WHERE ce_id = $1", ce_id
            )
        )

    await eventually(parked)
    await voucher.issue(make_order(ids("MEARLY"), [code]))
    await voucher.wait_issued(code)
    await eventually(lambda: _status(voucher, code, "used"))
    assert not await parked()
    assert (await voucher.voucher(code))["store_id"] == "S-9"
