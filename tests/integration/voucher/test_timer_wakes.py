"""The voucher timer sweep sleeps until its earliest timer and is woken by a sooner one
(migration 0007's triggers, shared.timers): a refund request with a short answer time,
tuned while the service runs, wakes it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.voucher.handlers.timers import BACKSTOP_SECONDS
from services.voucher.store.timers import CHANNEL
from tests.integration.voucher.conftest import Voucher, tuned
from tests.integration.voucher.test_reversal import order, reverse

pytestmark = pytest.mark.integration


async def test_a_sooner_timer_notifies_the_sweep_in_its_own_transaction(
    voucher: Voucher, ids: Any
) -> None:
    woken: asyncio.Queue[str] = asyncio.Queue()

    def heard(*args: Any) -> None:
        woken.put_nowait(args[-1])

    conn = await voucher.pool.acquire()
    await conn.add_listener(CHANNEL, heard)
    try:
        order_no, _ = await order(voucher, ids, "W0001")
        # an answer time far shorter than any timer set before: the write that sets it wakes
        # the sweep, which sends the request again long before its backstop
        with tuned(voucher, points_request_timeout_seconds=0.4):
            await reverse(voucher, order_no)
            async with asyncio.timeout(BACKSTOP_SECONDS / 2):
                await woken.get()
                first, second = (await voucher.refunds.wait(order_no, 2))[:2]
        assert (first["attempt"], second["attempt"]) == (1, 2)
        await voucher.answer_refund(second)
    finally:
        await conn.remove_listener(CHANNEL, heard)
        await voucher.pool.release(conn)
