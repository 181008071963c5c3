"""The accounts requests sign in with, read from the gateway's database at most every few
seconds each rather than on every request.

A change this gateway makes itself (a sign-out, a disable, a password or role change)
drops the account at once (:meth:`Accounts.forget`), so it takes effect on its next
request here; a change made through another replica of the gateway (or by hand in the
database) takes effect here within ``fresh_for`` seconds.

An account in use is read again in the background once its copy is
``REFRESH_AFTER`` of ``fresh_for`` old, so a request does not wait for that read: the
copy a request is answered with is still never older than ``fresh_for``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import asyncpg

from services.gateway import store

MAX_KNOWN = 10_000
"""More accounts than any desk has: past it, everything is read again (no unbounded growth)."""
REFRESH_AFTER = 0.8
"""The share of ``fresh_for`` after which a request starts the next read in the background."""


class Accounts:
    def __init__(
        self,
        pool: asyncpg.Pool,
        fresh_for: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._fresh_for = fresh_for
        self._clock = clock
        self._known: dict[str, tuple[store.User | None, float]] = {}
        self._forgotten = 0
        """Counts :meth:`forget` calls: a read begun before one is not kept."""
        self._refreshing: dict[str, asyncio.Task[store.User | None]] = {}

    async def get(self, username: str) -> store.User | None:
        now = self._clock()
        known = self._known.get(username)
        if known is not None and now - known[1] < self._fresh_for:
            if now - known[1] >= self._fresh_for * REFRESH_AFTER:
                self._refresh(username)
            return known[0]
        return await self._read(username, now)

    def _refresh(self, username: str) -> None:
        """Read ``username`` again in the background (once at a time); a failed read is
        left to the next request, which reads itself when the copy is too old."""
        if username in self._refreshing:
            return
        task = asyncio.get_running_loop().create_task(self._read(username, self._clock()))
        self._refreshing[username] = task

        def done(finished: asyncio.Task[store.User | None]) -> None:
            self._refreshing.pop(username, None)
            if not finished.cancelled():
                with contextlib.suppress(Exception):
                    finished.exception()  # retrieved: not logged as never retrieved

        task.add_done_callback(done)

    async def _read(self, username: str, now: float) -> store.User | None:
        """Read the account; keep it as read at ``now`` (when the read began)."""
        forgotten = self._forgotten
        user = await store.get_user(self._pool, username)
        # a sign-out or disable may have landed while this read was on its way: keep the
        # row only if nothing was forgotten meanwhile (the next request reads again)
        if forgotten == self._forgotten and self._fresh_for > 0:
            if len(self._known) >= MAX_KNOWN:
                self._known.clear()
            self._known[username] = (user, now)
        return user

    def forget(self, username: str) -> None:
        """This account changed: its next request reads it again."""
        self._forgotten += 1
        self._known.pop(username, None)
