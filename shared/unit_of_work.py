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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, cast

import asyncpg

from shared.contracts import Contract, Topic
from shared.db.after_commit import after_commit, collected, collecting, made
from shared.messaging.outbox import OutboxRelay, outgoing, queue, relay_of


@dataclass(frozen=True)
class UnitOfWork:
    conn: asyncpg.Connection
    """The transaction's connection: every store call of the use case goes through it."""
    clock: Callable[[], datetime]
    """The service's clock (tests hand a service a movable one)."""
    source: str
    """The CloudEvents source of what the use case publishes."""
    relay: OutboxRelay | None = None
    """This process's relay on the unit's database, if one runs: once the transaction
    commits, what the unit queued is handed to it (``OutboxRelay.dispatch``) and goes out
    from memory, waking no listener. None (a tool, a test's own pool): the rows wake the
    relays, which read them."""
    _gated: dict[object, _Dispatch] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    async def publish(
        self, topic: Topic[Any], payload: Contract, *, ce_id: str | None = None
    ) -> str:
        """Leave ``payload`` in the outbox, sent only if the transaction commits; its ce_id."""
        row = self.outgoing(topic, payload, ce_id=ce_id)
        await queue(self.conn, row)  # if it fails, the transaction and its effects go
        return str(row[0])

    def outgoing(
        self,
        topic: Topic[Any],
        payload: Contract,
        *,
        gated: bool = False,
        ce_id: str | None = None,
    ) -> tuple[object, ...]:
        """``payload`` as the parameters of its outbox row, for a store statement that writes
        it along with the state change (``outbox.queueing``): sent only if this transaction
        commits, as with :meth:`publish`, in a round trip fewer. ``gated``: the statement
        writes the row only on a condition; the caller says when it did (:meth:`written`),
        else the row is left to the relay to find, if it was written after all."""
        relay = self._dispatching_to()
        row = outgoing(topic, payload, source=self.source, ce_id=ce_id, wake=relay is None)
        if relay is not None:
            handed = _Dispatch(relay, row, written=not gated)
            if gated:
                self._gated[row[0]] = handed
            after_commit(handed)
        return row

    def written(self, row: tuple[object, ...]) -> None:
        """A gated row (:meth:`outgoing`) was written: it goes once the transaction commits."""
        handed = self._gated.pop(row[0], None)
        if handed is not None:
            handed.written = True

    def _dispatching_to(self) -> OutboxRelay | None:
        # only where an owner of the transaction makes the effects after its commit: one
        # made at once would publish a row that might still be rolled back
        return self.relay if collecting() else None

    @classmethod
    def within(
        cls,
        conn: asyncpg.Connection,
        clock: Callable[[], datetime],
        source: str,
        relay: OutboxRelay | None = None,
    ) -> UnitOfWork:
        """The unit of work of a transaction someone else holds (the consumer runtime's)."""
        return cls(conn, clock, source, relay)


@dataclass
class _Dispatch:
    """A row queued by a unit of work, handed to its relay once the transaction commits
    (an ``after_commit`` effect); one not known to be written wakes the relay instead."""

    relay: OutboxRelay
    row: tuple[object, ...]
    written: bool = True

    def __call__(self) -> None:
        if self.written:
            self.relay.dispatch([self.row])
        else:
            self.relay.wake()


@asynccontextmanager
async def unit_of_work(
    pool: asyncpg.Pool, clock: Callable[[], datetime], source: str
) -> AsyncIterator[UnitOfWork]:
    """A connection from ``pool`` in a transaction of its own: committed when the block
    ends, rolled back with everything it published when the block raises (and the effects
    handed to ``after_commit`` made only once it committed)."""
    with collected() as effects:
        async with pool.acquire() as conn, conn.transaction():
            yield UnitOfWork(conn, clock, source, relay_of(pool))
    made(effects)


@asynccontextmanager
async def one_statement(
    pool: asyncpg.Pool, clock: Callable[[], datetime], source: str
) -> AsyncIterator[UnitOfWork]:
    """A unit of work whose whole work is one statement, which is then its own transaction:
    no BEGIN and COMMIT around it, one round trip, no batch to wait for. A second statement
    raises before it is sent (it would commit apart from the first). The effects handed to
    ``after_commit`` are made once the statement has run (committed), even if the block
    raises after it."""
    with collected() as effects:
        async with pool.acquire() as conn:
            once = _OneStatement(conn)
            try:
                yield UnitOfWork(cast(asyncpg.Connection, once), clock, source, relay_of(pool))
            finally:
                if once.ran:
                    made(effects)


class _OneStatement:
    """A connection that runs one statement, and refuses a second."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._sent = False
        self.ran = False
        """The statement ran: it committed."""

    async def _once(self, call: str, query: str, args: tuple[object, ...]) -> Any:
        if self._sent:
            raise RuntimeError("a unit of one statement tried a second")
        self._sent = True
        result = await getattr(self._conn, call)(query, *args)
        self.ran = True
        return result

    async def execute(self, query: str, *args: object) -> str:
        return str(await self._once("execute", query, args))

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        return list(await self._once("fetch", query, args))

    async def fetchrow(self, query: str, *args: object) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._once("fetchrow", query, args)
        return row

    async def fetchval(self, query: str, *args: object) -> Any:
        return await self._once("fetchval", query, args)


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

    def one_statement(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A use case's step of one statement, its own transaction (:func:`one_statement`)."""
        return one_statement(self.pool, self._unit_clock(), self.source)

    def within(self, conn: asyncpg.Connection) -> UnitOfWork:
        """The unit of work of a message: the consumer runtime's transaction."""
        return UnitOfWork.within(conn, self._unit_clock(), self.source, relay_of(self.pool))
