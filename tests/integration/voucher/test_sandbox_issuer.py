"""The sandbox issuer's call on its own: an order's codes tried in order until one is not
voided, only those tried recorded, and calls sharing a code decided one after the other
(its function, migration 0008)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from services.voucher.adapters.issuer import SandboxIssuer, VoidRequest, VoidResult, void_attempts
from tests.integration.voucher.conftest import Voucher

pytestmark = pytest.mark.integration


async def test_codes_are_tried_in_order_until_one_is_not_voided(
    voucher: Voucher, ids: Callable[[str], str]
) -> None:
    first, flaky, last = (ids("SIO") + end for end in ("0001", "9998", "0003"))
    issuer = SandboxIssuer(voucher.pool, voucher.settings)

    def asked(n: int) -> list[VoidRequest]:
        return [VoidRequest(code, f"{code}-r{n}") for code in (first, flaky, last)]

    assert await issuer.void_in_order(asked(1)) == [
        VoidResult(True, "voided"),
        VoidResult(False, "issuer timed out (sandbox: first try of a code ending 9998)"),
    ]
    assert await void_attempts(voucher.pool, last) == []  # not tried after the refusal
    assert await issuer.void_in_order(asked(2)) == [
        VoidResult(True, "already voided"),
        VoidResult(True, "voided"),
        VoidResult(True, "voided"),
    ]
    assert [
        (a["request_id"], a["succeeded"]) for a in await void_attempts(voucher.pool, flaky)
    ] == [
        (f"{flaky}-r1", False),
        (f"{flaky}-r2", True),
    ]


async def test_a_code_that_always_fails_stops_the_call_at_itself(
    voucher: Voucher, ids: Callable[[str], str]
) -> None:
    refused, after = ids("SIR") + "9999", ids("SIR") + "0002"
    issuer = SandboxIssuer(voucher.pool, voucher.settings)
    results = await issuer.void_in_order([VoidRequest(refused, "r1"), VoidRequest(after, "r1")])
    assert results == [VoidResult(False, "issuer refused the void (sandbox: code ends 9999)")]
    assert await void_attempts(voucher.pool, after) == []


async def test_calls_sharing_a_code_decide_one_after_the_other(
    voucher: Voucher, ids: Callable[[str], str]
) -> None:
    """A code ending 9998 fails its first attempt only, also when several calls ask at once:
    each call reads the code's history after the calls before it committed."""
    flaky = ids("SIC") + "9998"
    issuer = SandboxIssuer(voucher.pool, voucher.settings)
    answers = await asyncio.gather(
        *(issuer.void_in_order([VoidRequest(flaky, f"r{n}")]) for n in range(4))
    )
    assert sorted(a.voided for [a] in answers) == [False, True, True, True]
    assert sorted(a.detail for [a] in answers if a.voided) == [
        "already voided",
        "already voided",
        "voided",
    ]
    assert len(await void_attempts(voucher.pool, flaky)) == 4
