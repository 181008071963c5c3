"""The accounts requests sign in with, read from the gateway's database at most every few
seconds each rather than on every request.

A change this gateway makes itself (a sign-out, a disable, a password or role change)
drops the account at once (:meth:`Accounts.forget`), so it takes effect on its next
request here; a change made through another replica of the gateway (or by hand in the
database) takes effect here within ``fresh_for`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import asyncpg

from services.gateway import store

MAX_KNOWN = 10_000
"""More accounts than any desk has: past it, everything is read again (no unbounded growth)."""


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

    async def get(self, username: str) -> store.User | None:
        now = self._clock()
        known = self._known.get(username)
        if known is not None and now - known[1] < self._fresh_for:
            return known[0]
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
