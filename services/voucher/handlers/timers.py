"""The durable timers, swept by a background loop: nothing waits in ``asyncio.sleep``.

The loop sleeps until the earliest timer is due and is woken by a sooner one as it is
committed (``shared.timers``; the tables' triggers notify ``voucher_timers``):

* a voiding saga or a pending void whose driver went silent past its lease
  (the process died mid-call) is taken over (``FOR UPDATE SKIP LOCKED``, so
  replicas share the work) and driven on from where it stopped;
* a refund request the points gateway has not answered in time is sent again.
"""

from __future__ import annotations

import logging

from services.voucher.deps import Deps
from services.voucher.handlers import reversal, void
from services.voucher.store import operations, sagas
from services.voucher.store import timers as due
from shared.telemetry import continuing
from shared.timers import TimerSweep

log = logging.getLogger(__name__)
BACKSTOP_SECONDS = 10.0
"""The longest the loop sleeps without being told: what a lost wake costs at most."""


async def sweep(deps: Deps) -> int:
    """One pass over every due timer; returns how many it acted on."""
    # each claim is its own unit, committed at once, as each was its own statement before:
    # a failing void claim leaves the sagas claimed (their lease bumped) all the same
    async with deps.unit() as uow:
        stalled_sagas = await sagas.claim_stalled(uow.conn, deps.lease_seconds)
    async with deps.unit() as uow:
        stalled_voids = await operations.claim_stalled_voids(uow.conn, deps.lease_seconds)
    for saga_id in stalled_sagas:
        async with deps.unit() as uow:
            found = await sagas.get(uow.conn, saga_id)
        with continuing(found.traceparent if found else None, "reversal resume"):
            await reversal.drive(deps, saga_id)
    for operation_id in stalled_voids:
        async with deps.unit() as uow:
            op = await operations.get(uow.conn, operation_id)
        with continuing(op.traceparent if op else None, "void resume"):
            await void.attempt_void(deps, operation_id)
    rerequested = await reversal.rerequest_overdue_refunds(deps)
    return len(stalled_sagas) + len(stalled_voids) + rerequested


async def run_timers(deps: Deps, backstop: float = BACKSTOP_SECONDS) -> None:
    timers = TimerSweep(
        deps.pool,
        "voucher timers",
        lambda: sweep(deps),
        due.seconds_to_next_due,
        channel=due.CHANNEL,
        backstop=backstop,
    )
    await timers.run()
