"""Stored expiry: the sweep marks available vouchers past their last day as expired, in
batches, skipping rows others hold; the expired and available filters are exact before,
during and after it; and a swept voucher is still redeemed, never voided or reversed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from services.voucher.adapters.issuer import VoidRequest, VoidResult
from services.voucher.deps import Deps
from services.voucher.handlers.expiry import expire_vouchers, run_expiry
from services.voucher.handlers.void import void_voucher
from shared.http import Actor
from tests.infra import eventually
from tests.integration.voucher.conftest import SHANGHAI, Voucher, make_order, random_phone

pytestmark = pytest.mark.integration

FUTURE = date(2099, 12, 31)
AGENT = Actor("agent.li", frozenset({"agent"}))
LONG_AGO = date(2019, 1, 1)


def deps_of(voucher: Voucher) -> Deps:
    deps: Deps = voucher.app.state.deps
    return deps


async def stored(voucher: Voucher, codes: Sequence[str]) -> dict[str, str]:
    """The status column itself, not the status shown."""
    rows = await voucher.pool.fetch(
        "SELECT code, status FROM vouchers WHERE code = ANY($1::text[])", list(codes)
    )
    return {r["code"]: r["status"] for r in rows}


@asynccontextmanager
async def held(pool: asyncpg.Pool, codes: Sequence[str]) -> AsyncIterator[None]:
    """Row locks on these vouchers, as a command or another replica's sweep holds them.

    The app's own background sweep skips them too, so what a test sees while it
    holds them does not depend on when that sweep last ran.
    """
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "SELECT 1 FROM vouchers WHERE code = ANY($1::text[]) FOR UPDATE", list(codes)
        )
        yield


async def listed(voucher: Voucher, **params: str) -> list[dict[str, Any]]:
    response = await voucher.http.get("/vouchers", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def codes(voucher: Voucher, **params: str) -> list[str]:
    return [item["code"] for item in await listed(voucher, **params)]


async def paged(voucher: Voucher, limit: int, **params: str) -> tuple[list[str], int]:
    """Every code the cursor walks through, and how many pages that took."""
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        extra = {"cursor": cursor} if cursor else {}
        response = await voucher.http.get(
            "/vouchers", params={**params, **extra, "limit": str(limit)}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


async def issue_one_each(
    voucher: Voucher, ids, codes_and_ends: Sequence[tuple[str, date]], **order: Any
) -> None:
    """One order per voucher, an hour apart in list order, so pages are predictable."""
    start = datetime(2019, 3, 1, 9, tzinfo=SHANGHAI)
    for n, (code, valid_to) in enumerate(codes_and_ends):
        await voucher.issue(
            make_order(
                f"{ids('MX')}{n:02d}",
                [code],
                exchanged_at=start + timedelta(hours=n),
                valid_to=valid_to,
                **order,
            )
        )
    await voucher.wait_issued(*(code for code, _ in codes_and_ends))


async def test_the_sweep_stores_expiry_only_past_the_last_day(voucher: Voucher, ids) -> None:
    today = deps_of(voucher).today()
    yesterday = today - timedelta(days=1)
    stale = [f"{ids('S')}{n}" for n in range(5)]
    last_day, later, used, voided = ids("LAST"), ids("LATER"), ids("USED"), ids("VOID")
    others = [(last_day, today), (later, FUTURE), (used, LONG_AGO), (voided, FUTURE)]
    await issue_one_each(voucher, ids, [*((c, yesterday) for c in stale), *others])
    await voucher.redeem(used)
    void = await voucher.http.post(f"/vouchers/{voided}/void", json={"reason": "test"})
    assert void.json()["status"] == "succeeded", void.text
    await voucher.pool.execute("UPDATE vouchers SET valid_to = $2 WHERE code = $1", voided, today)

    async def redeemed() -> bool:
        return (await stored(voucher, [used]))[used] == "used"

    await eventually(redeemed)

    # batches of 2: five of ours (and whatever other tests left) need several
    await expire_vouchers(deps_of(voucher), today, batch_size=2)

    assert await stored(voucher, [*stale, last_day, later, used, voided]) == {
        **dict.fromkeys(stale, "expired"),
        last_day: "available",  # valid through today
        later: "available",
        used: "used",
        voided: "voided",
    }
    await expire_vouchers(deps_of(voucher), today)  # again: nothing changes
    assert set((await stored(voucher, stale)).values()) == {"expired"}
    assert (await voucher.voucher(stale[0]))["status"] == "expired"


async def test_the_sweep_skips_vouchers_others_hold_and_a_later_run_takes_them(
    voucher: Voucher, ids
) -> None:
    today = deps_of(voucher).today()
    busy, free = ids("BUSY"), ids("FREE")
    await issue_one_each(voucher, ids, [(busy, LONG_AGO), (free, LONG_AGO)])
    async with held(voucher.pool, [busy]):
        # never waits on a lock: a replica's sweep or a redemption holding a row
        async with asyncio.timeout(5):
            await expire_vouchers(deps_of(voucher), today)
        assert await stored(voucher, [busy, free]) == {busy: "available", free: "expired"}
        assert (await voucher.voucher(busy))["status"] == "expired"  # shown as expired anyway
    await expire_vouchers(deps_of(voucher), today)
    assert await stored(voucher, [busy]) == {busy: "expired"}


async def test_expired_and_available_are_exact_before_during_and_after_the_sweep(
    voucher: Voucher, ids
) -> None:
    today = deps_of(voucher).today()
    phone = random_phone()
    stale = [f"{ids('X')}{n}" for n in range(6)]
    valid = [f"{ids('Y')}{n}" for n in range(2)]
    used = ids("XU")
    ends = {**dict.fromkeys(stale, today - timedelta(days=1)), **dict.fromkeys(valid, FUTURE)}
    ends[stale[3]] = LONG_AGO
    ends[used] = LONG_AGO
    in_time_order = [stale[0], valid[0], stale[1], stale[2], used, stale[3], valid[1]]
    in_time_order += [stale[4], stale[5]]
    await issue_one_each(voucher, ids, [(c, ends[c]) for c in in_time_order], phone=phone)
    await voucher.redeem(used)

    async def redeemed() -> bool:
        return (await stored(voucher, [used]))[used] == "used"

    await eventually(redeemed)
    newest_first = in_time_order[::-1]
    expired = [c for c in newest_first if c in stale]
    available = [c for c in newest_first if c in valid]

    async def exact() -> None:
        assert await codes(voucher, phone=phone, status="expired") == expired
        assert await codes(voucher, phone=phone, status="available") == available
        assert await codes(voucher, phone=phone, status="used") == [used]
        # two a page: pages alternate between swept and unswept vouchers mid-sweep
        assert await paged(voucher, 2, phone=phone, status="expired") == (expired, 3)
        assert await paged(voucher, 5, phone=phone, status="expired") == (expired, 2)
        for item in await listed(voucher, phone=phone):
            shown = "expired" if item["code"] in stale else item["status"]
            assert item["status"] == shown
            assert (item["actions"] == []) is (item["code"] not in valid)

    odd, even = stale[1::2], stale[0::2]
    async with held(voucher.pool, even):
        async with held(voucher.pool, odd):
            assert set((await stored(voucher, stale)).values()) == {"available"}
            await exact()  # before: every expired voucher is derived
        await expire_vouchers(deps_of(voucher), today)
        assert await stored(voucher, stale) == {
            **dict.fromkeys(odd, "expired"),
            **dict.fromkeys(even, "available"),
        }
        await exact()  # during: half stored, half derived
    await expire_vouchers(deps_of(voucher), today)
    assert set((await stored(voucher, stale)).values()) == {"expired"}
    await exact()  # after


async def test_a_swept_voucher_can_still_be_redeemed(voucher: Voucher, ids) -> None:
    code = ids("LATE")
    await issue_one_each(voucher, ids, [(code, LONG_AGO)])
    await expire_vouchers(deps_of(voucher), deps_of(voucher).today())
    assert await stored(voucher, [code]) == {code: "expired"}
    # the store took it: a fact to record, whatever the lottery side should have refused
    await voucher.redeem(code, store_id="S-LATE")

    async def redeemed() -> bool:
        return (await stored(voucher, [code]))[code] == "used"

    await eventually(redeemed)
    detail = await voucher.voucher(code)
    assert (detail["status"], detail["store_id"], detail["actions"]) == ("used", "S-LATE", [])


async def test_a_swept_voucher_is_neither_voided_nor_reversed(voucher: Voucher, ids) -> None:
    order_no, first, second = ids("MSW"), ids("SW1"), ids("SW2")
    await voucher.issue(make_order(order_no, [first, second], valid_to=LONG_AGO))
    await voucher.wait_issued(first, second)
    await expire_vouchers(deps_of(voucher), deps_of(voucher).today())
    detail = await voucher.voucher(first)
    assert (detail["status"], detail["actions"]) == ("expired", [])

    void = await voucher.http.post(f"/vouchers/{first}/void", json={"reason": "test"})
    assert void.status_code == 409 and void.json()["code"] == "not_available"
    reversal = await voucher.http.post(f"/orders/{order_no}/reversal", json={"reason": "test"})
    assert reversal.status_code == 409 and reversal.json()["code"] == "not_available"
    assert await stored(voucher, [first, second]) == {first: "expired", second: "expired"}
    ops = await voucher.pool.fetchval(
        "SELECT count(*) FROM operations WHERE merchant_order_no = $1", order_no
    )
    assert ops == 0


class MidnightDuringTheCall:
    """An issuer that voids, while midnight passes and the sweep stores the voucher expired."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def void(self, code: str, *, request_id: str) -> VoidResult:
        await self.pool.execute("UPDATE vouchers SET status = 'expired' WHERE code = $1", code)
        return VoidResult(True, "voided")

    async def void_in_order(self, requests: Sequence[VoidRequest]) -> list[VoidResult]:
        return [await self.void(r.code, request_id=r.request_id) for r in requests]


async def test_a_void_the_issuer_made_is_recorded_even_if_the_sweep_came_first(
    voucher: Voucher, ids
) -> None:
    code = ids("MID")
    await issue_one_each(voucher, ids, [(code, deps_of(voucher).today())])
    deps = replace(deps_of(voucher), issuer=MidnightDuringTheCall(voucher.pool))
    outcome = await void_voucher(deps, code=code, reason="test", actor=AGENT, idempotency_key=None)
    assert outcome.status == "succeeded"
    assert await stored(voucher, [code]) == {code: "voided"}


async def test_the_sweep_loop_keeps_running(voucher: Voucher, ids) -> None:
    loop = asyncio.create_task(run_expiry(deps_of(voucher), every=timedelta(milliseconds=50)))
    try:
        await asyncio.sleep(0.1)  # its first run is over: this voucher comes after it
        code = ids("LOOP")
        await issue_one_each(voucher, ids, [(code, LONG_AGO)])

        async def swept() -> bool:
            return (await stored(voucher, [code]))[code] == "expired"

        await eventually(swept)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
