"""Lets a command wait briefly for its operation's final status.

Whatever finishes an operation (this process, another replica, the points
answer's consumer) sends ``pg_notify`` in that transaction; PostgreSQL delivers
it on commit to every listening replica, and the waiter re-reads the status.

A notification is lost only if the listening connection drops. Then every waiter
is woken to re-read, polls until a new connection listens again, and the listener
is re-established; while it listens, waiters read only when told. (A poll per
waiter every half second was a sixth of a busy service's CPU.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar
from uuid import UUID

import asyncpg

from services.voucher.store.operations import FINISHED_CHANNEL
from shared.stopping import cancel_and_wait

log = logging.getLogger(__name__)

UNHEARD_POLL_SECONDS = 0.5
"""How often a waiter re-reads while no connection listens (until one does again)."""
RELISTEN_SECONDS = 1.0
"""Pause between attempts to listen again after the listening connection was lost."""


class HasStatus(Protocol):
    @property
    def finished(self) -> bool: ...


T = TypeVar("T", bound=HasStatus)


class OperationWaiters:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: asyncpg.Connection | None = None
        self._events: dict[str, set[asyncio.Event]] = {}
        self._relisten: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def start(self) -> None:
        conn = await self._pool.acquire()
        try:
            await conn.add_listener(FINISHED_CHANNEL, self._on_notify)
            conn.add_termination_listener(self._on_lost)
        except BaseException:
            await self._pool.release(conn)
            raise
        self._conn = conn

    async def stop(self) -> None:
        self._stopping = True
        await cancel_and_wait([self._relisten])
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.remove_termination_listener(self._on_lost)
                await conn.remove_listener(FINISHED_CHANNEL, self._on_notify)
            with contextlib.suppress(Exception):
                await self._pool.release(conn)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        for event in self._events.get(payload, ()):
            event.set()

    def _on_lost(self, conn: Any) -> None:
        """The listening connection closed: what it would have heard may be lost."""
        if self._stopping or conn is not self._conn:
            return
        log.warning("operation listener lost; waiters poll until it is back")
        self._conn = None
        self._wake_all()
        if self._relisten is None or self._relisten.done():
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again(conn))

    def _wake_all(self) -> None:
        for events in self._events.values():
            for event in events:
                event.set()

    async def _listen_again(self, lost: asyncpg.Connection) -> None:
        with contextlib.suppress(Exception):
            await self._pool.release(lost)  # the pool replaces a closed connection
        while not self._stopping and not self.listening:
            try:
                await self.start()
            except Exception:
                log.warning("cannot listen for operations yet; trying again", exc_info=True)
                await asyncio.sleep(RELISTEN_SECONDS)
        self._wake_all()  # what finished while nobody listened

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
