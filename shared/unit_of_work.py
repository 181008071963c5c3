"""One use case's unit of work: its transaction, its outbox and its clock, carried together.

A handler that changes state takes one :class:`UnitOfWork` instead of a connection, a
clock and a CloudEvents source apart: ``uow.conn`` for the stores, ``uow.now()`` for the
time and ``uow.publish`` for what goes out through the outbox in the same transaction
(sent only if it commits; ``uow.outgoing`` for a store statement that writes the row
itself). A command opens one (:func:`unit_of_work`, through its service's
``deps.unit()``); a subscriber wraps the transaction the consumer runtime holds for the
message (:meth:`UnitOfWork.within`), so a handler reads the same whether a
route or a message runs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import asyncpg

from shared.contracts import Contract, Topic
from shared.db.after_commit import collected, made
from shared.messaging.outbox import enqueue, outgoing


@dataclass(frozen=True)
class UnitOfWork:
    conn: asyncpg.Connection
    """The transaction's connection: every store call of the use case goes through it."""
    clock: Callable[[], datetime]
    """The service's clock (tests hand a service a movable one)."""
    source: str
    """The CloudEvents source of what the use case publishes."""

    def now(self) -> datetime:
        return self.clock()

    async def publish(
        self, topic: Topic[Any], payload: Contract, *, ce_id: str | None = None
    ) -> str:
        """Leave ``payload`` in the outbox, sent only if the transaction commits; its ce_id."""
        return await enqueue(self.conn, topic, payload, source=self.source, ce_id=ce_id)

    def outgoing(self, topic: Topic[Any], payload: Contract) -> tuple[object, ...]:
        """``payload`` as the parameters of its outbox row, for a store statement that writes
        it along with the state change (``outbox.queueing``): sent only if this transaction
        commits, as with :meth:`publish`, in a round trip fewer."""
        return outgoing(topic, payload, source=self.source)

    @classmethod
    def within(
        cls, conn: asyncpg.Connection, clock: Callable[[], datetime], source: str
    ) -> UnitOfWork:
        """The unit of work of a transaction someone else holds (the consumer runtime's)."""
        return cls(conn, clock, source)


@asynccontextmanager
async def unit_of_work(
    pool: asyncpg.Pool, clock: Callable[[], datetime], source: str
) -> AsyncIterator[UnitOfWork]:
    """A connection from ``pool`` in a transaction of its own: committed when the block
    ends, rolled back with everything it published when the block raises (and the effects
    handed to ``after_commit`` made only once it committed)."""
    with collected() as effects:
        async with pool.acquire() as conn, conn.transaction():
            yield UnitOfWork(conn, clock, source)
    made(effects)


class OpensUnitsOfWork:
    """What a service's deps (or a sub-area's context) need to open units of work: its
    ``pool``, ``clock`` and ``source`` fields. Mixed into each, so every service opens a
    command's unit (``unit()``) and wraps a message's transaction (``within(conn)``) the
    same way."""

    pool: asyncpg.Pool
    clock: Callable[[], datetime]
    source: str
    clock_read_once: ClassVar[bool] = False
    """True where every record of one use case must carry the same instant (the refund
    service's forms and reports): the clock is read once when the unit opens."""

    def _unit_clock(self) -> Callable[[], datetime]:
        if not self.clock_read_once:
            return self.clock
        now = self.clock()
        return lambda: now

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A use case's own transaction, with the outbox and the clock."""
        return unit_of_work(self.pool, self._unit_clock(), self.source)

    def within(self, conn: asyncpg.Connection) -> UnitOfWork:
        """The unit of work of a message: the consumer runtime's transaction."""
        return UnitOfWork.within(conn, self._unit_clock(), self.source)
