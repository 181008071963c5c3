"""Group commit: units of work that arrive together share one transaction.

A busy service runs many short use cases at once (a saga's start, its recorded step),
each a transaction of a few statements, and most of a transaction's cost is its commit
(a WAL flush with ``synchronous_commit=on``) and the round trips around it. A
:class:`GroupCommit` takes what the callers hand it while the previous batch commits
and runs them one after another on one connection, in one transaction:

* one unit of work that raises is rolled back alone and its caller gets the exception,
  the others' effects stay: a batch runs first without savepoints (most batches fail
  nowhere, and a savepoint is a round trip and a subtransaction per unit); when one
  raises, the whole batch is rolled back and run again with a savepoint per unit;
* each caller is answered only after its batch commits, so nothing is reported done
  that a crash could still lose;
* if the commit itself fails, or a unit of work lost a deadlock or a serialization
  conflict (another transaction's locks, not its own fault), it is run again alone in a
  transaction of its own; a unit of work must therefore be safe to run twice, or three
  times (its earlier runs were rolled back), and leave what is not in the database (a
  metric counted, the rows it queued handed to the relay) to its caller after the commit,
  or to ``after_commit``: what the run that commits handed there is made once it has;
* a unit of work runs in its caller's task, so in its context (its trace, its span): the
  runner opens the batch's transaction and gives the first caller its turn, and each
  caller, its unit done, gives the next one theirs. Under load a service's event loop is
  the queue every round trip waits in, and a turn handed from one caller to the next is
  one wait for the loop per unit, where a task of the runner's for each unit was two (its
  start, and the runner woken by its end). A caller cancelled before its turn is passed
  over (its unit never runs); one cancelled during its unit fails the batch as a failing
  unit does, and its unit is not run again.

A batch's commit (its WAL flush and round trip) is left to a task of its own while the
runner goes on to the next batch on another connection: the flush of one batch and the
statements of the next overlap, and the runner, the queue under load, is no longer held
through a disk wait per batch. Each commit waits for the one before it, so commits are
made, and their callers answered, in the batches' order; a runner has one commit in flight
at most while it goes on (two connections), and a runner that ends leaves its last commit
to finish alone.

Up to ``concurrency`` batches run at once, each on its own connection: a unit of work that
arrives while a batch runs starts the next batch at once if a runner is free, and waits
for the next free one only when all are busy. With one runner (the default) the batches
form a single queue: under load each caller waits for the batch ahead of it (its
statements, one round trip after another) before its own begins, and the
wait grows with the rate before the cores run out. More runners shorten that wait but
shrink the batches, so a busy service commits more often and spends more CPU on each unit
of work; which weighs more is a measurement (bench/RESULTS.md, session 12's s12tail).

Locks taken by a unit of work are held until its batch commits: a batch waits for its
slowest member, and a unit of work that must not wait behind others (a long one, or
one that calls the outside world) does not belong here. Two batches running at once that
touch the same rows wait for each other as two transactions do; one that loses a deadlock
is run again as above.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import asyncpg

from shared.db.after_commit import Effect, collected, made
from shared.messaging.outbox import relay_of
from shared.unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[UnitOfWork], Coroutine[Any, Any, T]]

MAX_BATCH = 64
"""The most units of work in one transaction: bounds how long the first one waits for the
last, and how many rows one transaction locks."""
CONCURRENCY = 1
"""Batches running at once (connections held). One: the most sharing of commits, the
least CPU per unit of work; a unit may wait for a whole batch ahead of it."""
CONFLICTS = (asyncpg.exceptions.TransactionRollbackError,)
"""Deadlocks and serialization failures: lost to another transaction, worth running again."""
AWAY = (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError)
"""The database is away: the whole batch fails, nothing in it committed."""


@dataclass
class _Job(Generic[T]):
    work: Work[T]
    done: asyncio.Future[T]
    turn: asyncio.Future[_Chain | None]
    """Its caller's turn on the batch's connection (it runs the unit), or None: the runner
    runs it (again), in a task of its own, and the caller waits for ``done``."""
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    left: bool = False
    """Its caller was cancelled before or during its unit: it is not run (again)."""
    effects: list[Effect] = field(default_factory=list)
    """What its unit's last run handed to ``after_commit``: made once that run commits."""


class GroupCommit:
    def __init__(
        self,
        pool: asyncpg.Pool,
        clock: Callable[[], datetime],
        source: str,
        *,
        max_batch: int = MAX_BATCH,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._source = source
        self._max_batch = max_batch
        self._concurrency = concurrency
        self._waiting: list[_Job[Any]] = []
        self._runners: set[asyncio.Task[None]] = set()
        self._flush: asyncio.Task[None] | None = None
        """The last batch's commit, perhaps still flushing after its runner ended."""
        self.batches = 0
        """Transactions committed (for tests and the benchmark's reading)."""

    @property
    def idle(self) -> bool:
        """No batch runs or waits now: a unit handed in would run alone, at once."""
        return not self._waiting and all(r.done() for r in self._runners)

    async def run(self, work: Work[T]) -> T:
        """Run ``work`` in the next batch's transaction; its result once that commits."""
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(work, loop.create_future(), loop.create_future())
        self._waiting.append(job)
        # a runner that has finished is done at once (its callbacks come later): not counted
        self._runners = {r for r in self._runners if not r.done()}
        if len(self._runners) < self._concurrency:  # else a busy runner takes it next
            self._runners.add(asyncio.create_task(self._drain(), name="group-commit"))
        try:
            chain = await job.turn
        except asyncio.CancelledError:
            job.left = True  # its turn, cancelled with it, is passed over
            given = job.turn.result() if job.turn.done() and not job.turn.cancelled() else None
            if given is not None:
                given.pass_over()  # given just before the cancel came: on to the next
            raise
        if chain is not None:
            await chain.take_turn(job)
        return await job.done

    async def _drain(self) -> None:
        # a batch's commit (the WAL flush and its round trip) runs while the next batch's
        # units run on another connection; the next commit waits for it, so one at most.
        # The last one goes on alone when the runner ends: a unit that arrives meanwhile
        # starts a runner whose batch runs while it flushes
        committing: asyncio.Task[None] | None = None
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    ran = await self._commit(batch)
                except BaseException as exc:  # cancelled, or a bug: no caller left hanging
                    for job in batch:
                        _no_turn(job)
                        if isinstance(exc, asyncio.CancelledError):
                            job.done.cancel()
                        elif not job.done.done():
                            job.done.set_exception(exc)
                    raise
                if committing is not None:
                    await committing
                    committing = None
                if ran is not None:
                    # after the last batch's commit, this runner's or (it ended with its
                    # commit in flight) the one before it: commits and answers in order
                    committing = asyncio.create_task(
                        self._finish(ran, after=self._flush), name="group-commit-flush"
                    )
                    self._flush = committing
        except BaseException:
            if committing is not None:
                committing.cancel()
            raise

    async def _commit(self, batch: list[_Job[Any]]) -> _Ran | None:
        """The batch's units run in a transaction left open for :meth:`_finish`, each unit's
        outcome kept; None when the batch was settled here (it failed whole, or its one
        unit failed)."""
        conn: asyncpg.Connection = await self._pool.acquire()
        try:
            await conn.execute("BEGIN")
            try:
                ran = await self._units(conn, batch)
            except BaseException:
                with contextlib.suppress(*AWAY):
                    await conn.execute("ROLLBACK")
                raise
        except AWAY as exc:
            await self._release(conn)
            for job in batch:
                _settle(job, False, exc)
            return None
        except Exception as exc:
            await self._release(conn)
            await self._each_alone(batch, exc)
            return None
        except BaseException:
            await self._release(conn)
            raise
        if ran is None:
            await self._release(conn)
        return ran

    async def _units(self, conn: asyncpg.Connection, batch: list[_Job[Any]]) -> _Ran | None:
        """The units in the open transaction: each unit's outcome, and the units that lost a
        lock conflict (to run again alone); None when the batch's one unit failed (its
        transaction rolled back, its caller told)."""
        uow = UnitOfWork(conn, self._clock, self._source, relay_of(self._pool))
        chain = _Chain(batch, uow)
        try:
            stop = await chain.run()
        except BaseException:
            chain.end()
            for job in batch:
                _no_turn(job)
            raise
        for job in batch:
            if job.left:
                job.done.cancel()  # no caller waits for it, and it is not run (again)
        if stop is None:  # the batch is what ran: a failed commit runs those alone, no other
            settled = [(job, True, value) for job, value in chain.values]
            return _Ran(conn, [job for job, _ in chain.values], settled, [])
        for job in batch:
            _no_turn(job)  # the runner runs what runs from here on
        if isinstance(stop.error, AWAY):
            raise stop.error
        ran = [job for job in batch if not job.left]
        if ran in ([], [stop.job]):  # its failure is its own: nothing else to keep
            await conn.execute("ROLLBACK")
            _settle(stop.job, False, stop.error)
            return None
        # rolled back whole: run it again with a savepoint each, so the one that fails
        # (again) is undone alone and the others keep their effects
        await conn.execute("ROLLBACK; BEGIN")
        settled, again = await self._with_savepoints(ran, uow)
        return _Ran(conn, ran, settled, again)

    async def _finish(self, ran: _Ran, *, after: asyncio.Task[None] | None) -> None:
        """Commit a batch :meth:`_commit` ran once the batch before it has (``after``), then
        answer its callers."""
        try:
            if after is not None and not after.done():
                await asyncio.wait((after,))  # its outcome is its own callers'
            await ran.conn.execute("COMMIT")
        except AWAY as exc:
            await self._release(ran.conn)
            for job in ran.batch:
                _settle(job, False, exc)
            return
        except Exception as exc:
            await self._release(ran.conn)
            await self._each_alone(ran.batch, exc)
            return
        except BaseException:
            with contextlib.suppress(Exception):
                await ran.conn.execute("ROLLBACK")
            await self._release(ran.conn)
            for job in ran.batch:
                job.done.cancel()
            raise
        await self._release(ran.conn)
        self.batches += 1
        for job, ok, value in ran.settled:
            _settle(job, ok, value)
        for job in ran.again:
            await self._alone(job)

    async def _each_alone(self, batch: list[_Job[Any]], exc: Exception) -> None:
        if len(batch) > 1:
            log.warning(
                "group commit failed; each unit of work again alone",
                extra={"fields": {"batch": len(batch), "error": repr(exc)}},
            )
        await asyncio.gather(*(self._alone(job) for job in batch))

    async def _release(self, conn: asyncpg.Connection) -> None:
        # a connection the database dropped may fail its reset on the way back (the pool
        # closes it then); that must not keep the batch's callers from their answers
        with contextlib.suppress(Exception):
            await self._pool.release(conn)

    async def _with_savepoints(
        self, batch: list[_Job[Any]], uow: UnitOfWork
    ) -> tuple[list[tuple[_Job[Any], bool, Any]], list[_Job[Any]]]:
        """The batch with a savepoint per unit: each unit's outcome, and the units that lost
        a lock conflict (to run again alone)."""
        conn = uow.conn
        settled: list[tuple[_Job[Any], bool, Any]] = []
        again: list[_Job[Any]] = []
        for i, job in enumerate(batch):
            # one round trip per unit: the previous one's savepoint kept, its own set
            await conn.execute("RELEASE SAVEPOINT unit; SAVEPOINT unit" if i else "SAVEPOINT unit")
            try:
                settled.append((job, True, await self._in_context(job, uow)))
            except AWAY:
                raise
            except Exception as exc:
                await conn.execute("ROLLBACK TO SAVEPOINT unit")
                if isinstance(exc, CONFLICTS):
                    again.append(job)
                else:
                    settled.append((job, False, exc))
        return settled, again

    async def _alone(self, job: _Job[Any]) -> None:
        try:
            async with unit_of_work(self._pool, self._clock, self._source) as uow:
                value = await self._in_context(job, uow)
        except Exception as exc:
            _settle(job, False, exc)
        else:
            _settle(job, True, value)

    @staticmethod
    async def _in_context(job: _Job[T], uow: UnitOfWork) -> T:
        # a task of its own only to run in the caller's context (its trace and span)
        return await asyncio.create_task(_collecting(job, uow), context=job.context)


@dataclass(frozen=True)
class _Stop:
    """Why a chain stopped before its end: a unit raised (``error``, a cancelled caller's
    too)."""

    job: _Job[Any]
    error: BaseException


class _Chain:
    """A batch run without savepoints in its callers' tasks, one after another: the usual
    case, where every unit succeeds. The first unit that raises ends it."""

    def __init__(self, batch: list[_Job[Any]], uow: UnitOfWork) -> None:
        self._batch = batch
        self._next = 0
        self.uow = uow
        self.values: list[tuple[_Job[Any], Any]] = []
        self._ended: asyncio.Future[_Stop | None] = asyncio.get_running_loop().create_future()

    async def run(self) -> _Stop | None:
        """Give the first caller its turn; None once every unit ran, else why one failed."""
        self._hand_on()
        return await self._ended

    def end(self, stop: _Stop | None = None) -> None:
        if not self._ended.done():
            self._ended.set_result(stop)

    async def take_turn(self, job: _Job[Any]) -> None:
        """The caller's turn: its unit on the batch's connection, then the next caller's."""
        try:
            value = await _collecting(job, self.uow)
        except Exception as exc:
            self.end(_Stop(job, exc))  # the runner settles it, after running it again
        except BaseException as exc:
            job.left = True
            self.end(_Stop(job, exc))
            raise
        else:
            self.values.append((job, value))
            self._hand_on()

    def pass_over(self) -> None:
        """The turn's caller left without running its unit: the next caller's turn."""
        self._hand_on()

    def _hand_on(self) -> None:
        while self._next < len(self._batch):
            job = self._batch[self._next]
            self._next += 1
            if job.turn.cancelled():
                job.left = True  # cancelled while it waited: passed over
            elif not job.turn.done():
                job.turn.set_result(self)
                return
        self.end()


@dataclass
class _Ran:
    """A batch whose units ran, its transaction open until :meth:`GroupCommit._finish`."""

    conn: asyncpg.Connection
    batch: list[_Job[Any]]
    settled: list[tuple[_Job[Any], bool, Any]]
    again: list[_Job[Any]]


def _no_turn(job: _Job[Any]) -> None:
    """A caller still waiting for its turn waits for its answer instead."""
    if not job.turn.done():
        job.turn.set_result(None)


async def _collecting(job: _Job[T], uow: UnitOfWork) -> T:
    """Run the unit, keeping what it hands to ``after_commit`` for when its run commits (a
    run rolled back, and run again, leaves only the last run's)."""
    with collected() as effects:
        value = await job.work(uow)
    job.effects = effects
    return value


def _settle(job: _Job[Any], ok: bool, value: Any) -> None:
    """Answer the caller; a unit that succeeded has committed: its effects are made, even
    when no caller waits any more."""
    _no_turn(job)
    if ok:
        made(job.effects)
    if job.done.done():
        return  # its caller gave up waiting (cancelled); the work stands or fell anyway
    if ok:
        job.done.set_result(value)
    else:
        job.done.set_exception(value)
