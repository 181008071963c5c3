"""A durable timer sweep that sleeps until its earliest timer is due, and is told of sooner ones.

The timers live in the service's tables (a ``due_at`` column); a sweep acts on the due
ones and says how many. Polling them every half second cost an idle service a few
queries a second for nothing. Instead :func:`run_timer_sweep` sweeps until nothing is
due, asks when the next one is (``next_due``), and sleeps until then, at most
``backstop`` seconds. A write that makes a timer due sooner than any other tells it:
the table's trigger calls ``pg_notify(channel)`` in the writing transaction (so the
wake comes when the timer is committed, from whichever replica wrote it), heard here on
a :class:`~shared.db.listen.ChannelListener`. An in-process writer may also call
:meth:`TimerSweep.wake`.

A service whose timers are compared with its own injected clock (refund, after-sales,
rental) plans by that clock; a test moves it forward, so the sweep hears of the move
(:func:`tell_when_moved`) or it would sleep past the new "now".

A notification may say when its timer is due (epoch seconds, the voucher service's
triggers): one due after the sweep's planned look is seen then, and wakes nothing. Every
saga sets a timer a lease ahead, and at light load each found no earlier one: each woke
the sweep, which swept (three transactions) and planned again, to sleep as before.

The backstop bounds what no notification covers: a listening connection lost (woken
then, and again once it listens), and the one race a "sooner than any other" trigger
leaves: a timer written while an earlier one it was compared with is concluded and the
sweep re-plans before the write commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from shared.db.listen import ChannelListener

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE_SECONDS = 1.0
CLOCK_SLACK_SECONDS = 1.0
"""A timer due within this long after the sweep's planned look still wakes it: the
database's clock, which sets the due time, and this process's, which plans, may differ a
little. Where they differ by more, a timer is seen late by at most the difference, and
never later than the backstop."""

Sweep = Callable[[], Awaitable[int]]
"""One pass over the due timers; how many it acted on (0: nothing was due)."""
NextDue = Callable[[asyncpg.Connection], Awaitable[float | None]]
"""Seconds until the earliest timer is due, by the clock the sweep compares with (the
database's, or the service's injected one) (<= 0: due now; None: no timer is set)."""


NextDueAt = Callable[[asyncpg.Connection], Awaitable[datetime | None]]
"""When the earliest timer is due (None: no timer is set), to compare with a clock."""


def seconds_until(due: datetime | None, clock: Callable[[], datetime]) -> float | None:
    """A :data:`NextDue` answer from the earliest due time, by ``clock``."""
    return None if due is None else (due - clock()).total_seconds()


def tell_when_moved(clock: Callable[[], datetime], wake: Callable[[], None]) -> None:
    """Wake a sweep when its clock is moved: a test's clock (one with ``when_moved``)
    jumps forward, past the time the sweep planned to sleep until. The wall clock never
    jumps, so it has nothing to tell."""
    when_moved = getattr(clock, "when_moved", None)
    if when_moved is not None:
        when_moved(wake)


def due_after(payload: str, planned: float | None) -> bool:
    """Whether a notification's timer (``payload``: its due time in epoch seconds, or
    anything else when it does not say) is due after a sleeping sweep's planned look
    (``planned``; None: not sleeping, so it must look)."""
    if planned is None:
        return False
    try:
        due = float(payload)
    except ValueError:
        return False
    return due >= planned + CLOCK_SLACK_SECONDS


class TimerSweep:
    def __init__(
        self,
        pool: asyncpg.Pool,
        name: str,
        sweep: Sweep,
        next_due: NextDue,
        *,
        channel: str | None,
        backstop: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.pool = pool
        self.name = name
        self._sweep = sweep
        self._next_due = next_due
        self._channel = channel
        self._backstop = backstop
        self._woken = asyncio.Event()
        self.listener: ChannelListener | None = None
        self._listen_failed = False
        self.passes = 0
        """Sweeps run (for tests: an idle loop does not add to it)."""
        self._clock = clock
        self._planned: float | None = None
        """While the sweep sleeps: when it looks again (epoch seconds, by its clock)."""
        if clock is not None:  # the clock ``next_due`` plans by, if not the database's
            tell_when_moved(clock, self.wake)

    @classmethod
    def by_clock(
        cls,
        pool: asyncpg.Pool,
        name: str,
        sweep: Sweep,
        next_due_at: NextDueAt,
        *,
        clock: Callable[[], datetime],
        channel: str | None,
        backstop: float,
    ) -> TimerSweep:
        """A sweep whose timers are compared with the service's injected clock, not the
        database's: it plans by that clock and is woken when a test moves it."""

        async def next_due(conn: asyncpg.Connection) -> float | None:
            return seconds_until(await next_due_at(conn), clock)

        return cls(pool, name, sweep, next_due, channel=channel, backstop=backstop, clock=clock)

    def wake(self, payload: str = "") -> None:
        """Look again now: a timer may be due sooner than the sweep planned. ``payload``:
        when the timer that woke it is due (epoch seconds), if the notification says."""
        if not due_after(payload, self._planned):
            self._woken.set()

    def _now(self) -> float:
        return self._clock().timestamp() if self._clock is not None else time.time()

    async def pause(self) -> float:
        """Seconds until the earliest timer is due, at most the backstop."""
        async with self.pool.acquire() as conn:
            due = await self._next_due(conn)
        return self._backstop if due is None else min(max(float(due), 0.0), self._backstop)

    async def run(self) -> None:
        failing = False
        try:
            while True:
                if self.listener is None:  # at start, or it could not listen before
                    self.listener = await self._listen()
                self._woken.clear()  # before the sweep: a wake during it sweeps again
                try:
                    while await self._sweep():
                        self.passes += 1
                    self.passes += 1
                    pause = await self.pause()
                    if failing:
                        log.info("timer sweep works again", extra={"fields": {"sweep": self.name}})
                    failing = False
                except Exception:
                    if not failing:  # once per outage, not every pass of it
                        log.exception(
                            "timer sweep failed; trying again",
                            extra={"fields": {"sweep": self.name}},
                        )
                    failing = True
                    pause = RETRY_AFTER_FAILURE_SECONDS
                self._planned = self._now() + pause
                try:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(pause):
                            await self._woken.wait()
                finally:
                    self._planned = None
        finally:
            if self.listener is not None:
                await self.listener.stop()

    async def _listen(self) -> ChannelListener | None:
        """Listen on the channel; None (the backstop alone, until a later try) if it cannot."""
        if self._channel is None:
            return None
        listener = ChannelListener(
            self.pool, self._channel, self.wake, on_lost=self.wake, on_back=self.wake
        )
        try:
            await listener.start()
        except Exception:
            if self._listen_failed:
                return None
            self._listen_failed = True  # said once; tried again at every pass
            log.warning(
                "timer sweep cannot listen yet; sweeping on its backstop",
                extra={"fields": {"sweep": self.name, "channel": self._channel}},
                exc_info=True,
            )
            return None
        self._listen_failed = False
        return listener
