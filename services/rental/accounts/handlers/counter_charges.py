"""A top-up's charge at the payment device: asked outside any transaction, recorded once.

``drive`` asks the device (no transaction open, no lock held) with the charge id as its
idempotency key, then ``record`` writes the answer in one transaction under the
account's lock: charged → the ledger credited, the receipt kept; refused → failed with
the seed's cause. The answer of an attempt that was taken over is ignored, so only one
answer is ever recorded. ``recover_due`` is the durable sweep: a pending charge whose
driver died (its lease ran out) is taken over (``SKIP LOCKED``) and asked again with the
same charge id; the device answers a charge it took with that success, so the money
moves once.
"""

from __future__ import annotations

import asyncio
import logging

from services.rental.accounts.adapters.payment_counter import ChargeResult
from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.domain import ledger
from services.rental.accounts.domain.errors import TopUpInProgress, TopUpUnconfirmed
from services.rental.accounts.domain.stored import Charge, Receipt
from services.rental.accounts.domain.topup import bonus_for, serial_number
from services.rental.accounts.domain.topup_charge import ChargeStatus, failure_error
from services.rental.accounts.store import accounts as account_store
from services.rental.accounts.store import topup_charges as charges
from services.rental.accounts.store import topups as store
from shared import metrics
from shared.db import Db
from shared.errors import DomainError
from shared.timers import TimerSweep

log = logging.getLogger(__name__)
CHANNEL = "rental_topup_timers"
"""Notified by the top-up charges' triggers (migration 0056)."""
SWEEP_BATCH = 20
"""Pending charges one sweep pass takes over (each is one device call)."""


async def ask_device(deps: AccountDeps, charge: Charge) -> ChargeResult | None:
    """The device's answer; None when it gave none (an error, or no answer within half the
    lease, so this driver never outlives its lease): the charge's fate is unknown."""
    try:
        async with asyncio.timeout(deps.topup_lease.total_seconds() / 2):
            return await deps.counter.charge(
                charge.charge_id,
                payer_account=charge.payer_account,
                method=charge.payment_method,
                amount_cents=charge.amount_cents,
            )
    except Exception:
        log.warning(
            "payment device gave no answer; the sweep will ask again",
            exc_info=True,
            extra={"fields": {"charge_id": charge.charge_id}},
        )
        return None


async def drive(deps: AccountDeps, charge: Charge) -> Receipt:
    """Ask the device and record its answer: the receipt, or the refusal raised."""
    result = await ask_device(deps, charge)
    return await record(deps, charge, result, unanswered_due_now=True)


async def record(
    deps: AccountDeps,
    charge: Charge,
    result: ChargeResult | None,
    *,
    unanswered_due_now: bool,
) -> Receipt:
    """Record the answer to ``charge``'s attempt, unless that attempt was taken over; then
    answer as :func:`outcome` does (a refusal is raised after its record is committed)."""
    final = await _record(deps, charge, result, unanswered_due_now)
    if final is None:
        raise TopUpUnconfirmed(
            "the payment device did not answer; the top-up is pending and will be"
            " confirmed by asking it again: look it up with the same Idempotency-Key"
        )
    return await outcome(deps.pool, final)


async def _record(
    deps: AccountDeps,
    charge: Charge,
    result: ChargeResult | None,
    unanswered_due_now: bool,
) -> Charge | None:
    charge_id, attempt = charge.charge_id, charge.attempt
    async with deps.unit() as uow:
        conn, now = uow.conn, uow.now()
        account = await account_store.lock(conn, charge.user_id)
        row = await charges.get(conn, charge_id, lock=True)
        assert row is not None
        if row.status != ChargeStatus.PENDING or row.attempt != attempt:
            return row
        if result is None:
            if unanswered_due_now:  # no need to wait out the lease: the sweep may ask at once
                await charges.set_lease(conn, charge_id, now)
            return None
        verification_id = str(row.verification_id)
        if not result.charged:
            await charges.mark_failed(
                conn, charge_id, result.failure or "device_fault", result.detail, now
            )
            await store.release_verification(conn, verification_id, charge_id)
            return await charges.get(conn, charge_id)
        books = account.books
        movement = ledger.top_up(books, row.amount_cents)
        serial = serial_number(now.astimezone(deps.tz).date(), await store.next_serial(conn))
        moves = [(movement, f"counter top-up ({row.payment_method})")]
        bonus = bonus_for(row.amount_cents, deps.settings.rental_topup_bonus)
        if bonus > 0:  # the promotion's bonus, under the same serial (its own kind)
            moves.append((ledger.top_up_bonus(movement.after, bonus), "top-up bonus (充值优惠)"))
        for each, why in moves:
            await account_store.record(
                conn, row.user_id, each, reference=serial, actor=row.agent, reason=why, at=now
            )
        after = moves[-1][0].after
        await store.use_verification(conn, verification_id, serial, now)
        await store.insert_topup(
            conn,
            serial_no=serial,
            user_id=row.user_id,
            amount_cents=row.amount_cents,
            payment_method=row.payment_method,
            payer_account=row.payer_account,
            charge_id=charge_id,
            verification_id=verification_id,
            balance_before=books.balance_cents,
            balance_after=after.balance_cents,
            bonus_cents=bonus,
            agent=row.agent,
            idempotency_key=row.idempotency_key,
            at=now,
        )
        await charges.mark_charged(conn, charge_id, serial, now)
        return await charges.get(conn, charge_id)


async def outcome(db: Db, row: Charge) -> Receipt:
    """What a finished (or taken over) charge answers: its receipt, or its refusal."""
    if row.status == ChargeStatus.CHARGED:
        assert row.serial_no is not None, "a charged top-up has its receipt"
        receipt = await store.receipt(db, row.serial_no)
        assert receipt is not None
        return receipt
    if row.status == ChargeStatus.FAILED:
        raise failure_error(row.failure, row.detail or "")
    raise TopUpInProgress("this top-up is at the payment device: ask again shortly")


async def recover_due(deps: AccountDeps) -> int:
    """One sweep pass: pending charges past their lease asked again and recorded; how many."""
    async with deps.unit() as uow:
        conn, now = uow.conn, uow.now()
        claimed = await charges.claim_due(conn, now, now + deps.topup_lease, SWEEP_BATCH)
    for charge in claimed:
        result = await ask_device(deps, charge)
        try:
            await record(deps, charge, result, unanswered_due_now=False)
        except DomainError as exc:  # a refusal recorded, or no answer: left pending
            metrics.operation_finished("top_up_recovery", "failed", exc.code)
        else:
            metrics.operation_finished("top_up_recovery", "succeeded")
    return len(claimed)


async def run_recovery(deps: AccountDeps) -> None:
    """The sweep, for the life of the process; state is in the table, so a restart loses
    nothing and replicas share the work. It sleeps until the earliest lease runs out by
    the service's clock, woken by the table's trigger when a charge is put at the device
    or its lease is cut short (migration 0056), at most ``topup_backstop_seconds``."""

    await TimerSweep.by_clock(
        deps.pool,
        "top-up recovery",
        lambda: recover_due(deps),
        charges.next_lease_end,
        clock=deps.clock,
        channel=CHANNEL,
        backstop=deps.topup_backstop_seconds,
    ).run()
