"""The payout worker: pays what is owed through the payment provider, at most once each.

A payout is claimed under a lease (its due time moved past the call) in one short
transaction, the provider is called outside any transaction with the payout id as
its idempotency key, and the answer is recorded in a second transaction. A worker
that dies between the call and the record leaves the lease to run out; the next
claim asks the provider again with the same id, which answers with the first
payout: the money moves once. Failures retry with back-off, then go to a person.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from opentelemetry.trace import SpanKind

from services.refund.adapters.payment import PayoutResult
from services.refund.deps import Deps
from services.refund.domain.payouts import RetryPolicy
from services.refund.domain.stored import Payout
from services.refund.handlers import forms, requested
from services.refund.store import payouts as store
from shared.telemetry import tracer

log = logging.getLogger(__name__)
PARALLEL_CALLS = 8
"""Payouts one worker has at the provider at once (each holds a database connection)."""


def retry_policy(deps: Deps) -> RetryPolicy:
    s = deps.settings
    return RetryPolicy(
        s.refund_payout_max_attempts, timedelta(seconds=s.refund_payout_retry_base_seconds)
    )


async def claim(deps: Deps) -> list[Payout]:
    async with deps.unit() as uow:
        now = uow.now()
        lease = now + timedelta(seconds=deps.settings.refund_payout_lease_seconds)
        return await store.claim_due(uow.conn, now, lease)


async def pay_due(deps: Deps) -> int:
    """Claim what is due and pay it; how many payouts were attempted."""
    claimed = await claim(deps)
    # several calls at once: the provider is an outside system, mostly waiting on the network
    slots = asyncio.Semaphore(PARALLEL_CALLS)

    async def one(payout: Payout) -> None:
        async with slots:
            await attempt(deps, payout)

    await asyncio.gather(*(one(p) for p in claimed))
    return len(claimed)


async def call_provider(deps: Deps, payout: Payout) -> PayoutResult:
    with tracer(__name__).start_as_current_span(
        "payment_provider pay",
        kind=SpanKind.CLIENT,
        attributes={"kefu.payout_id": payout.payout_id, "kefu.attempt": payout.attempts},
    ) as span:
        try:
            result = await deps.payments.pay(
                payout.payout_id, amount_cents=payout.amount_cents, account=payout.account
            )
        except Exception as exc:  # unreachable or broken provider: a failed attempt, retried
            result = PayoutResult(False, None, f"payment call failed: {exc!r}")
        span.set_attribute("kefu.paid", result.paid)
    return result


async def attempt(deps: Deps, payout: Payout) -> None:
    result = await call_provider(deps, payout)
    await record(deps, payout, result)


async def record(deps: Deps, payout: Payout, result: PayoutResult) -> None:
    """Record the provider's answer, unless another worker took the payout over meanwhile."""
    payout_id = payout.payout_id
    async with deps.unit() as uow:
        conn, now = uow.conn, uow.now()
        now_held = await store.lock(conn, payout_id)
        if now_held is None or now_held.status != "pending" or now_held.attempts != payout.attempts:
            return
        kind, subject = now_held.subject_kind, now_held.subject_id
        if result.paid:
            assert result.reference is not None
            await store.mark_paid(conn, payout_id, result.reference, now)
            if kind == "form":
                await forms.payout_succeeded(uow, deps, subject, result.reference)
            else:
                await requested.payout_succeeded(uow, subject, result.reference)
            return
        retry_at = retry_policy(deps).next_attempt(now_held.attempts, now)
        await store.mark_failed(conn, payout_id, result.detail, retry_at)
        if retry_at is None:
            log.warning(
                "payout failed for good; flagged for a person",
                extra={"fields": {"payout_id": payout_id, "detail": result.detail}},
            )
            if kind == "form":
                await forms.payout_gave_up(uow, subject, result.detail)
            else:
                await requested.payout_gave_up(uow, subject, result.detail)
