"""No bare 500: what an HTTP service answers when something it did not expect goes wrong.

Every service and the gateway wrap their routes in :class:`FailureAnswers` (by
:func:`shared.http.make_app`, inside the tracing middleware so the trace is current):

* its database is unreachable or shutting down (the connection refused, reset or
  lost, PostgreSQL starting up or going down): ``503 database_unavailable`` with
  ``Retry-After``, so clients and the gateway retry, with the same Idempotency-Key;
* anything else unexpected: ``500 internal_error`` with the request's ``trace_id``,
  logged with its stack and that trace id, so the on-call engineer finds it.

Both are ``{code, message}`` like every other error. Upstream services the gateway
cannot reach answer ``503 service_unavailable`` (``services/gateway/upstream.py``).
"""

from __future__ import annotations

import logging
from types import TracebackType

import asyncpg
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.telemetry import current_trace_id

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2

# PostgreSQL away: the connection classes (08xxx), shutting down or starting (57P01-57P03),
# out of connections (53300).
_DATABASE_AWAY: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def _raised_in_asyncpg(tb: TracebackType | None) -> bool:
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg"):
            return True
        tb = tb.tb_next
    return False


def database_away(exc: BaseException) -> bool:
    """The database could not be reached (not: a query was wrong)."""
    if isinstance(exc, _DATABASE_AWAY):
        return True
    # a refused or reset socket (or a Unix socket gone with its server), from asyncpg
    return isinstance(exc, OSError) and _raised_in_asyncpg(exc.__traceback__)


def failure_response(exc: Exception, method: str, path: str) -> JSONResponse:
    if database_away(exc):
        log.warning(
            "database unavailable",
            extra={"fields": {"method": method, "path": path, "error": repr(exc)}},
        )
        return JSONResponse(
            {"code": "database_unavailable", "message": "the database is unavailable; try again"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    trace_id = current_trace_id()
    log.exception(
        "unhandled error", extra={"fields": {"method": method, "path": path, "trace_id": trace_id}}
    )
    return JSONResponse(
        {
            "code": "internal_error",
            "message": f"an unexpected error; quote trace id {trace_id} when you report it",
            "trace_id": trace_id,
        },
        status_code=500,
    )


class FailureAnswers:
    """ASGI middleware: an exception no handler took becomes a ``{code, message}`` answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:  # half an answer went out: nothing better to do than cut it
                raise
            response = failure_response(exc, scope.get("method", ""), scope.get("path", ""))
            await response(scope, receive, send)
