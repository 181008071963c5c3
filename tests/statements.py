"""What a piece of code says to PostgreSQL: every statement run on the connections a pool
lends, counted through asyncpg's query logger (BEGIN, SAVEPOINT and COMMIT included)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg


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
        self.statements.append(record.query)

    def savepoints(self) -> int:
        return sum(s.startswith("SAVEPOINT") for s in self.statements)
