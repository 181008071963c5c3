"""One pooled connection LISTENing on a PostgreSQL channel, listening again when it is lost.

A notification reaches only the connections listening when it is committed: one that
drops (a restarted server, a killed backend, a network cut) loses what it would have
heard, and nothing says so but the connection's end. So whoever listens is told at
once (``on_lost``: look for yourself meanwhile), a new connection listens as soon as
the pool gives one (tried again every ``retry_seconds``), and whoever listens is told
again (``on_back``: look once more, for what was sent in between). The outbox relay
and the voucher service's operation waiters listen this way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from shared.stopping import cancel_and_wait

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
"""Pause between attempts to listen again after the listening connection was lost."""


def _nothing() -> None:
    return None


class ChannelListener:
    """Call ``on_notify(payload)`` for each notification on ``channel``, for as long as it
    runs; ``start`` listens (and raises if it cannot), ``stop`` lets go."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        channel: str,
        on_notify: Callable[[str], None],
        *,
        on_lost: Callable[[], None] = _nothing,
        on_back: Callable[[], None] = _nothing,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._pool = pool
        self.channel = channel
        self._on_notify = on_notify
        self._on_lost = on_lost
        self._on_back = on_back
        self._retry = retry_seconds
        self._conn: asyncpg.Connection | None = None
        self._again: asyncio.Task[None] | None = None
        self._stopping = False

    def _open(self) -> asyncpg.Connection | None:
        conn = self._conn
        if conn is None:
            return None
        try:
            return None if conn.is_closed() else conn
        except asyncpg.InterfaceError:
            # the pool releases a closed connection at once and tells us on the next turn
            # of the loop (``_lost``): in between, the proxy we hold is already let go
            return None

    @property
    def listening(self) -> bool:
        return self._open() is not None

    @property
    def server_pid(self) -> int | None:
        """The PostgreSQL backend listening now, if one is (what an operator would kill)."""
        conn = self._open()
        if conn is None:
            return None
        pid: int = conn.get_server_pid()
        return pid

    async def start(self) -> None:
        conn = await self._pool.acquire()
        try:
            await conn.add_listener(self.channel, self._notified)
            conn.add_termination_listener(self._lost)
        except BaseException:
            await self._pool.release(conn)
            raise
        self._conn = conn

    async def stop(self) -> None:
        self._stopping = True
        await cancel_and_wait([self._again])
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.remove_termination_listener(self._lost)
                await conn.remove_listener(self.channel, self._notified)
            with contextlib.suppress(Exception):
                await self._pool.release(conn)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._on_notify(payload)

    def _lost(self, conn: object) -> None:
        """The listening connection closed: what it would have heard may be lost."""
        if self._stopping or conn is not self._conn:
            return
        log.warning(
            "lost the connection listening on a channel; listening again",
            extra={"fields": {"channel": self.channel}},
        )
        self._conn = None
        self._on_lost()
        if self._again is None or self._again.done():
            self._again = asyncio.get_running_loop().create_task(
                self._listen_again(conn), name=f"listen {self.channel}"
            )

    async def _listen_again(self, lost: object) -> None:
        with contextlib.suppress(Exception):
            await self._pool.release(lost)  # the pool replaces a closed connection
        while not self._stopping and not self.listening:
            try:
                await self.start()
            except Exception:
                log.warning(
                    "cannot listen on a channel yet; trying again",
                    extra={"fields": {"channel": self.channel}},
                    exc_info=True,
                )
                await asyncio.sleep(self._retry)
        if not self._stopping:
            self._on_back()  # what was sent while nobody listened
