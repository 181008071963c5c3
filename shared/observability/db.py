"""A CLIENT span per SQL statement, by OpenTelemetry's database conventions.

``opentelemetry-instrumentation-asyncpg`` pins an older semantic-conventions
package than our SDK's, so this thin connection class does the same job: the
pool is created with it (shared.db.pool). Statements run outside any span
(the relay's polling, the gauges' sampling) make no span: a trace per poll
would bury the traces people look for.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from shared.observability.sql_summary import summarize

enabled = True
"""Off with ``KEFU_DB_SPANS=false`` (set by shared.telemetry)."""

_tracer = trace.get_tracer(__name__)


@functools.lru_cache(maxsize=1024)
def _statement(query: str) -> tuple[str, dict[str, Any]]:
    """A statement's span name and attributes; statements are few and reused, so cached."""
    summary = summarize(query)
    attributes: dict[str, Any] = {"db.query.text": query, "db.query.summary": summary.name}
    if summary.operation:
        attributes["db.operation.name"] = summary.operation
    if summary.collection:
        attributes["db.collection.name"] = summary.collection
    return summary.name, attributes


def describe(query: str) -> tuple[str | None, str | None]:
    """The statement's operation (``SELECT``) and its one table (``outbox``), when plain."""
    summary = summarize(query)
    return summary.operation, summary.collection


class TracedConnection(asyncpg.Connection):  # type: ignore[misc]
    _span_attributes: dict[str, Any] | None = None

    def _connection_attributes(self) -> dict[str, Any]:
        """What every span of this connection says about the server, worked out once."""
        if self._span_attributes is None:
            attributes: dict[str, Any] = {"db.system.name": "postgresql"}
            params = getattr(self, "_params", None)
            if params is not None and getattr(params, "database", None):
                attributes["db.namespace"] = params.database
            addr = getattr(self, "_addr", None)
            if isinstance(addr, tuple) and len(addr) == 2:
                attributes["server.address"], attributes["server.port"] = addr
            elif isinstance(addr, str):
                attributes["server.address"] = addr
            self._span_attributes = attributes
        return self._span_attributes

    @contextmanager
    def _span(self, query: str) -> Iterator[Span | None]:
        if not enabled or not trace.get_current_span().is_recording():
            yield None
            return
        name, attributes = _statement(query)
        # A leaf span: nothing runs inside it, so it is never made the current span
        # (attaching and detaching the context was a third of the cost of a span).
        span = _tracer.start_span(
            name, kind=SpanKind.CLIENT, attributes={**self._connection_attributes(), **attributes}
        )
        try:
            yield span
        except BaseException as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            span.set_attribute("error.type", type(exc).__qualname__)
            raise
        finally:
            span.end()

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
