"""The counter's payment device is called outside any transaction: a top-up is recorded
pending under the account's lock, charged with no lock held, and recorded once; a
process that dies at the device is finished by the recovery sweep."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator

import pytest

from services.rental.accounts.adapters.payment_counter import (
    ChargeResult,
    CounterPayments,
    charge_attempts,
)
from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.domain.topup import PaymentMethod, TopUpRequest
from services.rental.accounts.handlers import counter_charges, topups
from tests.infra import eventually
from tests.integration.rental.conftest import Rental
from tests.integration.rental.test_account_support import (
    OPS,
    accounts,
    assert_books_exact,
    books,
    id_checked,
    post,
    registered,
    top_up,
    top_up_body,
    top_up_key,
)

pytestmark = pytest.mark.integration
__all__ = ["accounts"]


class GatedCounter:
    """The real (sandbox) device behind a gate the test opens: a slow device, on cue."""

    def __init__(self, inner: CounterPayments) -> None:
        self.inner = inner
        self.waiting = 0
        self.gate = asyncio.Event()

    async def charge(
        self, charge_id: str, *, payer_account: str, method: str, amount_cents: int
    ) -> ChargeResult:
        self.waiting += 1
        async with asyncio.timeout(60):  # a test that fails before opening it must not hang
            await self.gate.wait()
        return await self.inner.charge(
            charge_id, payer_account=payer_account, method=method, amount_cents=amount_cents
        )


class LostAnswer:
    """The device charges, then the answer is lost on the way back (once)."""

    def __init__(self, inner: CounterPayments) -> None:
        self.inner = inner
        self.lost = False

    async def charge(
        self, charge_id: str, *, payer_account: str, method: str, amount_cents: int
    ) -> ChargeResult:
        result = await self.inner.charge(
            charge_id, payer_account=payer_account, method=method, amount_cents=amount_cents
        )
        if not self.lost:
            self.lost = True
            raise ConnectionError("connection reset after the charge")
        return result


def deps_of(rental: Rental) -> AccountDeps:
    deps: AccountDeps = rental.app.state.accounts
    return deps


@contextlib.contextmanager
def device(rental: Rental, counter: CounterPayments) -> Iterator[None]:
    deps = deps_of(rental)
    real = deps.counter
    deps.counter = counter
    try:
        yield
    finally:
        deps.counter = real


async def charge_status(rental: Rental, charge_id: str) -> str:
    status: str = await rental.pool.fetchval(
        "SELECT status FROM topup_charges WHERE charge_id = $1", charge_id
    )
    return status


async def top_up_movements(rental: Rental, user: str) -> int:
    count: int = await rental.pool.fetchval(
        "SELECT count(*) FROM account_ledger WHERE user_id = $1 AND kind = 'top_up'", user
    )
    return count


async def test_a_crash_between_the_charge_and_its_record_is_credited_once_by_the_sweep(
    accounts: Rental,
) -> None:
    user = await registered(accounts)
    verification_id = await id_checked(accounts, user)
    deps = deps_of(accounts)
    key = str(uuid.uuid4())
    request = TopUpRequest(user, 4_000, 4_000, None, PaymentMethod.BANK_CARD, "6222020000005678")
    # the process's first two steps: pending recorded, the device charged; then it "dies"
    pending = await topups.reserve(deps, request, verification_id, "agent.li", top_up_key(key))
    charged = await deps.counter.charge(
        pending.charge_id,
        payer_account=request.payer_account,
        method="bank_card",
        amount_cents=4_000,
    )
    assert charged.charged
    assert await charge_status(accounts, pending.charge_id) == "pending"
    assert (await books(accounts, user)).balance_cents == 0
    # while its lease runs, a retry with the key neither charges nor credits
    body = top_up_body(user, verification_id, 4_000)
    waiting = await post(accounts, "/topups", body, key=key)
    assert waiting.status_code == 503 and waiting.json()["code"] == "top_up_in_progress"

    accounts.clock.now += deps.topup_lease + deps.topup_lease  # the lease has run out
    await counter_charges.recover_due(deps)  # the background sweep may get there first

    async def recorded() -> bool:
        return await charge_status(accounts, pending.charge_id) == "charged"

    await eventually(recorded, what="the sweep to record the charge")
    assert await counter_charges.recover_due(deps) == 0
    assert (await books(accounts, user)).balance_cents == 4_000
    assert await top_up_movements(accounts, user) == 1
    attempts = await charge_attempts(accounts.pool, pending.charge_id)
    assert [a["succeeded"] for a in attempts] == [True]  # the device took the money once
    again = await post(accounts, "/topups", body, key=key)
    assert again.status_code == 201, again.text
    assert again.json()["amount_cents"] == 4_000 and again.json()["balance_after_cents"] == 4_000
    assert (await books(accounts, user)).balance_cents == 4_000
    await assert_books_exact(accounts, user)


async def test_a_lost_device_answer_is_confirmed_by_asking_again(accounts: Rental) -> None:
    user = await registered(accounts)
    key = str(uuid.uuid4())
    with device(accounts, LostAnswer(deps_of(accounts).counter)):
        lost = await top_up(accounts, user, 2_500, key=key)
        assert lost.status_code == 502 and lost.json()["code"] == "top_up_unconfirmed"

        async def recorded() -> bool:
            return await charge_status(accounts, f"top-up:{user}:{top_up_key(key)}") == "charged"

        await eventually(recorded, what="the sweep to confirm the charge")
    assert (await books(accounts, user)).balance_cents == 2_500
    assert await top_up_movements(accounts, user) == 1
    attempts = await charge_attempts(accounts.pool, f"top-up:{user}:{top_up_key(key)}")
    assert [a["succeeded"] for a in attempts] == [True]
    await assert_books_exact(accounts, user)


async def test_concurrent_top_ups_keep_the_daily_count_and_amount_limits(
    accounts: Rental,
) -> None:
    gated = GatedCounter(deps_of(accounts).counter)
    counted, summed = await registered(accounts), await registered(accounts)
    with device(accounts, gated):
        # all at the device at once: only pending top-ups count, and they must
        tries = [asyncio.create_task(top_up(accounts, counted, 100)) for _ in range(7)]
        tries += [asyncio.create_task(top_up(accounts, summed, 100_000)) for _ in range(3)]

        async def at_device_or_refused() -> bool:
            refused = sum(1 for t in tries if t.done())
            return gated.waiting == 7 and refused == 3

        await eventually(at_device_or_refused, what="7 top-ups at the device, 3 refused")
        gated.gate.set()
        answers = await asyncio.gather(*tries)
    count_codes = sorted(r.json().get("code", str(r.status_code)) for r in answers[:7])
    assert count_codes == ["201"] * 5 + ["daily_count_over_limit"] * 2
    amount_codes = sorted(r.json().get("code", str(r.status_code)) for r in answers[7:])
    assert amount_codes == ["201"] * 2 + ["daily_amount_over_limit"]
    assert (await assert_books_exact(accounts, counted)).balance_cents == 500
    assert (await assert_books_exact(accounts, summed)).balance_cents == 200_000


async def test_a_slow_device_does_not_hold_the_accounts_lock(accounts: Rental) -> None:
    user = await registered(accounts)
    gated = GatedCounter(deps_of(accounts).counter)
    with device(accounts, gated):
        slow = asyncio.create_task(top_up(accounts, user, 3_000))

        async def at_device() -> bool:
            return gated.waiting == 1

        await eventually(at_device, what="the top-up at the device")
        # another movement on the same account goes through while the device is busy
        async with asyncio.timeout(10):
            changed = await post(
                accounts,
                f"/accounts/{user}/deposit",
                {"deposit_cents": 29_900, "reason": "押金标准调整"},
                actor=OPS,
            )
        assert changed.status_code == 200, changed.text
        assert not slow.done()
        gated.gate.set()
        done = await slow
    assert done.status_code == 201, done.text
    kept = await assert_books_exact(accounts, user)
    assert (kept.balance_cents, kept.deposit_cents) == (3_000, 29_900)


async def test_a_top_up_left_before_the_device_call_is_finished_by_the_sweep(
    accounts: Rental,
) -> None:
    user = await registered(accounts)
    deps = deps_of(accounts)
    short = TopUpRequest(user, 1_000, 1_000, None, PaymentMethod.CASH, "6222020000000001")
    refused = await topups.reserve(
        deps, short, await id_checked(accounts, user), "agent.li", str(uuid.uuid4())
    )
    paid = TopUpRequest(user, 2_000, 2_000, None, PaymentMethod.CASH, "6222020000005678")
    charged = await topups.reserve(
        deps, paid, await id_checked(accounts, user), "agent.li", str(uuid.uuid4())
    )
    accounts.clock.now += deps.topup_lease + deps.topup_lease  # both "died" before asking

    async def finished() -> bool:
        await counter_charges.recover_due(deps)
        states = [await charge_status(accounts, c.charge_id) for c in (refused, charged)]
        return states == ["failed", "charged"]

    await eventually(finished, what="the sweep to finish both top-ups")
    failure = await accounts.pool.fetchrow(
        "SELECT failure FROM topup_charges WHERE charge_id = $1", refused.charge_id
    )
    assert failure["failure"] == "payer_account_short"
    freed = await accounts.pool.fetchval(
        "SELECT used_at FROM identity_verifications WHERE id = $1", refused.verification_id
    )
    assert freed is None  # a refused charge spends no verification
    assert (await assert_books_exact(accounts, user)).balance_cents == 2_000
    assert await top_up_movements(accounts, user) == 1
    today = (await accounts.get(f"/accounts/{user}"))["today"]
    assert today == {"topped_up_cents": 2_000, "top_ups": 1}  # the refused one does not count


async def test_the_sleeping_sweep_is_woken_when_the_clock_moves_past_a_lease(
    accounts: Rental,
) -> None:
    # the sweep sleeps until the earliest lease runs out (its backstop: a minute); a
    # charge left pending is finished once the clock passes its lease, nothing else asked
    user = await registered(accounts)
    deps = deps_of(accounts)
    request = TopUpRequest(user, 1_500, 1_500, None, PaymentMethod.CASH, "6222020000005678")
    pending = await topups.reserve(
        deps, request, await id_checked(accounts, user), "agent.li", str(uuid.uuid4())
    )
    await asyncio.sleep(0.5)  # the sweep has planned its sleep after the charge woke it
    assert await charge_status(accounts, pending.charge_id) == "pending"
    accounts.clock.now += deps.topup_lease + deps.topup_lease  # its driver "died"

    async def recorded() -> bool:
        return await charge_status(accounts, pending.charge_id) == "charged"

    await eventually(recorded, within=10, what="the woken sweep to finish the top-up")
    assert (await books(accounts, user)).balance_cents == 1_500
    await assert_books_exact(accounts, user)
