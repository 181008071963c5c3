"""Admission control: a bounded number of costly commands in flight per process, and a
bounded line of commands waiting their turn.

A command past the bound waits, first come first served, for a slot: the wait holds
no database connection and costs no CPU, so under a burst the service keeps working
at its best rate and every command gets its turn. Running them all at once instead
would have them hold connections and wait on each other, starving the consumers that
finish the work. Only when the line too is full is a command refused at once with 503
``busy`` and ``Retry-After``; a refusal changes nothing, and the gateway frees the
Idempotency-Key of a 5xx, so the client retries with it. (Refusing everything past the
bound, as this did before, made a heavy overload a storm of retries: in the reversal
benchmark at 250/s the voucher service spent its CPU on 503s while the points service
idled, and the run did not drain in 12 minutes.)
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.errors import DomainError


class Busy(DomainError):
    status = 503
    code = "busy"
    retryable = True


class Admission:
    def __init__(self, what: str, limit: int, queue: int = 0) -> None:
        if limit < 1:
            raise ValueError("an admission limit is at least 1")
        if queue < 0:
            raise ValueError("an admission queue is at least 0")
        self.what = what
        self.limit = limit
        self.queue = queue
        self.in_flight = 0
        self.refused = 0
        self._line: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        return len(self._line)

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        if self.in_flight < self.limit and not self._line:
            self.in_flight += 1
        else:
            await self._wait_turn()
        try:
            yield
        finally:
            self._release()

    async def _wait_turn(self) -> None:
        if len(self._line) >= self.queue:
            self.refused += 1
            raise Busy(
                f"{self.limit} {self.what} are in progress here and {self.queue} waiting;"
                " retry in a moment with the same Idempotency-Key"
            )
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        try:
            await turn  # a finishing command hands its slot over: in_flight stays
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # given the slot just as the caller went away: pass it on
            elif turn in self._line:  # (a finishing command may have passed it over already)
                self._line.remove(turn)
            raise

    def _release(self) -> None:
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.in_flight -= 1
