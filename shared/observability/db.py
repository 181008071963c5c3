"""A CLIENT span per SQL statement, by OpenTelemetry's database conventions.

``opentelemetry-instrumentation-asyncpg`` pins an older semantic-conventions
package than our SDK's, so this thin connection class does the same job: the
pool is created with it (shared.db.pool). Statements run outside any span
(the relay's polling, the gauges' sampling) make no span: a trace per poll
would bury the traces people look for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

enabled = True
"""Off with ``KEFU_DB_SPANS=false`` (set by shared.telemetry)."""

_OPERATION = re.compile(r"^\s*(?:WITH\b.*?\)\s*)?([A-Za-z]+)", re.DOTALL)
_COLLECTION = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+((?:\w+\.)?\w+)", re.IGNORECASE)
_tracer = trace.get_tracer(__name__)


def describe(query: str) -> tuple[str | None, str | None]:
    """The statement's operation (``SELECT``) and first table (``outbox``), when plain to see."""
    op = _OPERATION.match(query)
    table = _COLLECTION.search(query)
    return (op.group(1).upper() if op else None), (table.group(1) if table else None)


class TracedConnection(asyncpg.Connection):  # type: ignore[misc]
    @contextmanager
    def _span(self, query: str) -> Iterator[Span | None]:
        if not enabled or not trace.get_current_span().is_recording():
            yield None
            return
        operation, collection = describe(query)
        name = " ".join(p for p in (operation, collection) if p) or "postgresql"
        attributes: dict[str, Any] = {
            "db.system.name": "postgresql",
            "db.query.text": query,
        }
        params = getattr(self, "_params", None)
        if params is not None and getattr(params, "database", None):
            attributes["db.namespace"] = params.database
        if operation:
            attributes["db.operation.name"] = operation
        if collection:
            attributes["db.collection.name"] = collection
        addr = getattr(self, "_addr", None)
        if isinstance(addr, tuple) and len(addr) == 2:
            attributes["server.address"], attributes["server.port"] = addr
        elif isinstance(addr, str):
            attributes["server.address"] = addr
        with _tracer.start_as_current_span(
            name, kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            yield span

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        if query == self.get_reset_query():  # the pool's clean-up on release: not our work
            return await super().execute(query, *args, **kwargs)
        with self._span(query):
            return await super().execute(query, *args, **kwargs)

    async def executemany(self, command: str, args: Any, **kwargs: Any) -> Any:
        with self._span(command):
            return await super().executemany(command, args, **kwargs)

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
        with self._span(query):
            return await super().fetch(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        with self._span(query):
            return await super().fetchrow(query, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        with self._span(query):
            return await super().fetchval(query, *args, **kwargs)
