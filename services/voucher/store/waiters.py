"""Lets a command wait briefly for its operation's final status.

Whatever finishes an operation (this process, another replica, the points
answer's consumer) sends ``pg_notify`` in that transaction, with the outcome;
PostgreSQL delivers it on commit to every listening replica, and the waiter answers
with it (or re-reads the status, if the notice carries none).

A notification is lost only if the listening connection drops
(``shared.db.listen``). Then every waiter is woken to re-read and polls until a
new connection listens, and is woken once more when one does; while it listens,
waiters read only when told. (A poll per waiter every half second was a sixth of a
busy service's CPU.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Protocol, TypeVar
from uuid import UUID

import asyncpg

from services.voucher.store.operations import FINISHED_CHANNEL
from shared.db.listen import ChannelListener

UNHEARD_POLL_SECONDS = 0.5
"""How often a waiter re-reads while no connection listens (until one does again)."""


class HasStatus(Protocol):
    @property
    def finished(self) -> bool: ...


T = TypeVar("T", bound=HasStatus)


class OperationWaiters:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._watches: dict[str, set[Watch]] = {}
        self.listener = ChannelListener(
            pool, FINISHED_CHANNEL, self._on_notify, on_lost=self._wake_all, on_back=self._wake_all
        )

    @property
    def listening(self) -> bool:
        return self.listener.listening

    async def start(self) -> None:
        await self.listener.start()

    async def stop(self) -> None:
        await self.listener.stop()

    def _on_notify(self, payload: str) -> None:
        for watch in self._watches.get(payload.partition(" ")[0], ()):
            watch.heard = payload
            watch.event.set()

    def _wake_all(self) -> None:
        for watches in self._watches.values():
            for watch in watches:
                watch.event.set()

    async def wait(self, operation_id: UUID, seconds: float, read: Callable[[], Awaitable[T]]) -> T:
        """``read()`` until it reports a finished operation or ``seconds`` pass."""
        with self.watching(operation_id) as watch:
            return await watch.wait(seconds, read)

    @contextlib.contextmanager
    def watching(self, operation_id: UUID) -> Iterator[Watch]:
        """Listen for ``operation_id``'s end from now on: a command that watches before it
        commits its step knows that whatever finishes the operation afterwards wakes it,
        and need not read before it is woken (:meth:`Watch.wait` with ``told``)."""
        key = str(operation_id)
        watch = Watch(self)
        self._watches.setdefault(key, set()).add(watch)
        try:
            yield watch
        finally:
            self._watches[key].discard(watch)
            if not self._watches[key]:
                del self._watches[key]


class Watch:
    def __init__(self, waiters: OperationWaiters) -> None:
        self.event = asyncio.Event()
        self.heard: str | None = None
        """The last notice about this operation."""
        self._waiters = waiters

    async def wait(
        self,
        seconds: float,
        read: Callable[[], Awaitable[T]],
        *,
        told: bool = False,
        from_notice: Callable[[str], T | None] | None = None,
    ) -> T:
        """``read()`` until it reports a finished operation or ``seconds`` pass.

        ``told``: the operation was unfinished when this watch began and whatever finishes
        it will notify, so the first read waits for that (or for the deadline);
        ``from_notice``: the result a notice carries, if it carries one (then no read)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        skip_read = told
        while True:
            heard = self.heard and from_notice and from_notice(self.heard)
            if heard and heard.finished:
                return heard
            if not skip_read:
                self.event.clear()  # before reading, so a commit after the read still wakes us
                outcome = await read()
                if outcome.finished or deadline - loop.time() <= 0:
                    return outcome
            skip_read = False
            remaining = deadline - loop.time()
            timeout = remaining if self._waiters.listening else min(remaining, UNHEARD_POLL_SECONDS)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(timeout, 0.0)):
                    await self.event.wait()
