"""What a piece of code says to PostgreSQL: every statement run on the connections a pool
lends, counted through asyncpg's query logger (BEGIN, SAVEPOINT and COMMIT included; asyncpg's
own type look-ups left out)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from asyncpg import introspection


class Recorded:
    """A stand-in for a pool (``acquire()`` only) that records each statement run on the
    connections it lends. Give it to the code under test, not to a running service: what
    the service runs meanwhile would be counted too."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.statements: list[str] = []

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        async with self.pool.acquire() as conn:
            conn.add_query_logger(self._log)
            try:
                yield conn
            finally:
                conn.remove_query_logger(self._log)

    def _log(self, record: Any) -> None:
        if not asyncpg_own(record.query):
            self.statements.append(record.query)

    def savepoints(self) -> int:
        return sum(s.startswith("SAVEPOINT") for s in self.statements)


_INTROSPECTION = {introspection.INTRO_LOOKUP_TYPES, introspection.INTRO_LOOKUP_TYPES_13}


def asyncpg_own(query: str) -> bool:
    """asyncpg's look-up of a type a connection meets for the first time (an array of jsonb,
    say) and the ``jit`` setting it turns off around it: once a connection, whichever
    connection of the pool a test happens to be lent, so not the code's statements."""
    return query in _INTROSPECTION or "set_config('jit'" in query
