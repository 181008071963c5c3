"""Lets a command wait briefly for its operation's final status.

Whatever finishes an operation (this process, another replica, the points
answer's consumer) sends ``pg_notify`` in that transaction; PostgreSQL delivers
it on commit to every listening replica, and the waiter re-reads the status.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar
from uuid import UUID

import asyncpg

from services.voucher.store.operations import FINISHED_CHANNEL

_SAFETY_POLL_SECONDS = 0.5
"""Re-read now and then anyway: a notification is lost if the listening connection drops."""


class HasStatus(Protocol):
    @property
    def finished(self) -> bool: ...


T = TypeVar("T", bound=HasStatus)


class OperationWaiters:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: asyncpg.Connection | None = None
        self._events: dict[str, set[asyncio.Event]] = {}

    async def start(self) -> None:
        self._conn = await self._pool.acquire()
        await self._conn.add_listener(FINISHED_CHANNEL, self._on_notify)

    async def stop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.remove_listener(FINISHED_CHANNEL, self._on_notify)
            await self._pool.release(self._conn)
            self._conn = None

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        for event in self._events.get(payload, ()):
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
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(remaining, _SAFETY_POLL_SECONDS))
        finally:
            self._events[key].discard(event)
            if not self._events[key]:
                del self._events[key]
