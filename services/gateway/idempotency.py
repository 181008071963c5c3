"""Idempotency-Key for POSTs: one effect per (user, route, key), the final answer replayed.

A key is the signed-in user's own and the route's: another user's key, or the same
key on another route, is simply another key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg

from services.gateway import store
from services.gateway.answers import Answer, Produce, answered
from services.gateway.domain.idempotency import RequestInProgress, Verdict, is_final, verdict
from shared.timestamps import utc_now

log = logging.getLogger(__name__)


class IdempotencyKeys:
    def __init__(
        self,
        pool: asyncpg.Pool,
        lease: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._pool = pool
        self._lease = lease
        self._clock = clock

    async def once(
        self,
        *,
        ref: store.KeyRef,
        method: str,
        path: str,
        fingerprint: str,
        produce: Produce,
    ) -> Answer:
        """The request's answer: produced now if the key is free, else the stored one."""
        claim: uuid.UUID | None = None
        # Twice at most: a key inserted by a concurrent request between our look and our
        # insert is seen, locked and judged on the second pass.
        for _ in range(2):
            async with self._pool.acquire() as conn, conn.transaction():
                record = await store.lock_key(conn, ref)
                now = self._clock()
                if verdict(record, fingerprint, now) is Verdict.REPLAY:
                    assert record is not None and record.status is not None
                    return Answer(record.status, record.body, replayed=True)
                args = (conn, ref, method, path, fingerprint, now + self._lease)
                if record is None:
                    claim = await store.claim_new_key(*args)
                else:
                    claim = await store.reclaim_key(*args)
            if claim is not None:
                break
        if claim is None:
            raise RequestInProgress("a request with this Idempotency-Key is in progress")
        renewing = asyncio.create_task(self._renew(ref, claim))
        try:
            answer = await answered(produce)
        except BaseException:
            # Nothing final came back: free the key so the client can try again. If even
            # this fails (cancelled, database away), the lease frees it in time.
            with contextlib.suppress(Exception):
                await asyncio.shield(store.release_key(self._pool, ref, claim))
            raise
        finally:
            renewing.cancel()
        if is_final(answer.status, answer.body):
            await store.complete_key(self._pool, ref, claim, answer.status, answer.body)
        else:
            await store.release_key(self._pool, ref, claim)
        return answer

    async def _renew(self, ref: store.KeyRef, claim: uuid.UUID) -> None:
        """Keep the lease while this process works on the request.

        The lease is short, so a key whose holder died (a crashed gateway) is free for
        the client's retry within one lease, not after the longest request could take.
        It stays periodic: a lease is renewed to say this holder is alive, which only a
        renewal can say; it runs only while a request is in flight, never when idle.
        """
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                await store.renew_key(self._pool, ref, claim, self._clock() + self._lease)
            except Exception as exc:  # the database away: the next round tries again
                log.debug("lease not renewed", extra={"fields": {"error": repr(exc)}})

    async def purge_forever(self, every_seconds: float = 3600.0) -> None:
        """Delete keys past their retention, hourly. It stays periodic: keys expire by
        time passing, not by a write that could tell it, and an expired key only takes
        room (an hour's more rows), so one wake an hour is the right rate."""
        while True:
            try:
                purged = await store.purge_expired_keys(self._pool, self._clock())
                if purged:
                    log.info("purged idempotency keys", extra={"fields": {"purged": purged}})
            except Exception:
                log.exception("purging idempotency keys failed")
            await asyncio.sleep(every_seconds)
