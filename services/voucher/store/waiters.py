"""Lets a command wait briefly for its operation's final status.

Whatever finishes an operation (this process, another replica, the points
answer's consumer) sends ``pg_notify`` in that transaction; PostgreSQL delivers
it on commit to every listening replica, and the waiter re-reads the status.

A notification is lost only if the listening connection drops
(``shared.db.listen``). Then every waiter is woken to re-read and polls until a
new connection listens, and is woken once more when one does; while it listens,
waiters read only when told. (A poll per waiter every half second was a sixth of a
busy service's CPU.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
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
        self._events: dict[str, set[asyncio.Event]] = {}
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
        for event in self._events.get(payload, ()):
            event.set()

    def _wake_all(self) -> None:
        for events in self._events.values():
            for event in events:
                event.set()

    async def wait(self, operation_id: UUID, seconds: float, read: Callable[[], Awaitable[T]]) -> T:
        """``read()`` until it reports a finished operation or ``seconds`` pass."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        event = asyncio.Event()
        key = str(operation_id)
        self._events.setdefault(key, set()).add(event)
        try:
            while True:
                event.clear()  # before reading, so a commit after the read still wakes us
                outcome = await read()
                remaining = deadline - loop.time()
                if outcome.finished or remaining <= 0:
                    return outcome
                timeout = remaining if self.listening else min(remaining, UNHEARD_POLL_SECONDS)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await event.wait()
        finally:
            self._events[key].discard(event)
            if not self._events[key]:
                del self._events[key]
