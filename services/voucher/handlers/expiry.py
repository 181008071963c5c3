"""The expiry sweep: available vouchers whose validity ended are stored as expired.

Stored expiry is what lets the expired filter read an index (store/search.py);
correctness never waits for it, since readers and rules derive expiry from
valid_to too. It runs at start, every few minutes, and right after each local
midnight. Each batch is its own short transaction that skips locked rows, so
it never holds many locks for long, and replicas sweeping at once share the
work instead of waiting on each other.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from services.voucher.deps import Deps
from services.voucher.domain.expiry import next_sweep_at
from services.voucher.store import vouchers

log = logging.getLogger(__name__)
SWEEP_EVERY = timedelta(minutes=5)
BATCH_SIZE = 5000


async def expire_vouchers(deps: Deps, today: date, *, batch_size: int = BATCH_SIZE) -> int:
    """Store as expired every available voucher valid only before ``today``; returns how many.

    Stops at the first short batch: what is left is held by someone else, and
    the next run takes it.
    """
    total = 0
    while True:
        async with deps.unit() as uow:
            done = await vouchers.expire_batch(uow.conn, today, batch_size)
        total += done
        if done < batch_size:
            return total


async def run_expiry(deps: Deps, every: timedelta = SWEEP_EVERY) -> None:
    tz = deps.settings.tz
    while True:
        try:
            expired = await expire_vouchers(deps, deps.today())
            if expired:
                log.info("vouchers expired", extra={"fields": {"expired": expired}})
        except Exception:
            log.exception("expiry sweep failed; trying again")
        now = deps.now()
        await asyncio.sleep(max(0.0, (next_sweep_at(now, tz, every) - now).total_seconds()))
