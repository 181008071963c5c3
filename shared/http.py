"""What every service's HTTP API shares: error shape, the acting agent, health, serving.

Errors always answer ``{"code": ..., "message": ...}``. Services' APIs are
internal: only the gateway calls them, and it vouches for the authenticated agent
in a signed token (shared.internal_auth) and passes the request's ``Idempotency-Key``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import formatdate
from typing import Annotated, Any

import uvicorn
import uvloop
from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.server import ServerState

from shared.docs_pages import install_docs_pages
from shared.errors import DomainError, InvalidInput
from shared.failures import FailureAnswers
from shared.filters import reject_unknown_filters
from shared.idempotency import scoped_key
from shared.input_guard import install_input_guard
from shared.internal_auth import internal_call
from shared.observability.http_server import TracingMiddleware
from shared.stopping import STOP_WITHIN_SECONDS
from shared.telemetry import metrics_enabled


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        # a 503 is the service shedding load (shared.admission): say when to come back
        headers = {"Retry-After": "1"} if exc.status == 503 else None
        return JSONResponse(
            error_body(exc.code, exc.message), status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_request", "the request does not match its schema", errors=errors),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        code = codes.get(exc.status_code, f"http_{exc.status_code}")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )


@dataclass(frozen=True)
class Actor:
    """The person (or system) a command acts for."""

    username: str
    roles: frozenset[str]


# Dependencies are ``async def`` though they do no I/O: FastAPI runs a plain ``def``
# dependency in a worker thread, a thread hop on every request.
# Actor and roles come from the gateway's verified token only, never from a header.
async def _actor(request: Request) -> Actor:
    call = internal_call(request)
    if not call.actor:
        raise InvalidInput(
            "internal call without an acting agent", code="actor_required", status=400
        )
    return Actor(call.actor, call.roles)


CurrentActor = Annotated[Actor, Depends(_actor)]


def checked_idempotency_key(idempotency_key: str | None) -> str | None:
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 characters", code="invalid_idempotency_key"
        )
    return idempotency_key


async def _idempotency_key(
    request: Request, idempotency_key: Annotated[str | None, Header()] = None
) -> str | None:
    key = checked_idempotency_key(idempotency_key)
    if key is None:
        return None
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if path is None:  # only then the request's own (a URL object built per request)
        path = request.url.path
    template = f"{request.method} {path}"
    return scoped_key(internal_call(request).actor or "", template, key)


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]
"""The client's Idempotency-Key within the acting user and the route (``scoped_key``):
one user's key never meets another's, whatever the service keeps it in."""


async def _idempotency_key_of(request: Request) -> str | None:
    """:data:`IdempotencyKey` from the request alone, with the header value FastAPI would
    pass (the first ``Idempotency-Key``), for routes answered directly."""
    return await _idempotency_key(request, request.headers.get("idempotency-key"))


DIRECT_SOLVERS = {_idempotency_key: _idempotency_key_of}
"""How shared.direct_routes solves the dependencies here that take more than the request."""


_NATIVE_TELEMETRY_OFF: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def make_app(title: str, description: str, lifespan: Any) -> FastAPI:
    # FastAPI's own telemetry off: TracingMiddleware makes the one SERVER span and records
    # http.server.request.duration once, without the probes (shared.observability.http_server).
    app = FastAPI(
        title=title,
        description=description,
        lifespan=lifespan,
        version="1",
        dependencies=[Depends(reject_unknown_filters)],
        docs_url=None,
        redoc_url=None,
        **_NATIVE_TELEMETRY_OFF,
    )
    install_docs_pages(app)  # FastAPI's own load their assets from a CDN
    _settle_after_first_document(app)
    install_error_handlers(app)
    app.add_middleware(FailureAnswers)  # inside the tracing: the answer carries the trace id
    install_input_guard(app)
    app.add_middleware(TracingMiddleware)
    return app


METRICS_REQUEST_SECONDS = 10.0
"""How long a scraper may take to send its request before the connection is closed."""


@contextlib.asynccontextmanager
async def metrics_listener(host: str, port: int) -> AsyncIterator[int | None]:
    """Prometheus text (``GET /metrics``) on a port of its own, never the API's: whoever may
    call the API cannot read the metrics, and a network rule can let only Prometheus in.
    Served by the process's event loop from prometheus_client's registry, which
    OpenTelemetry's reader fills: no thread of its own (prometheus_client's server thread
    woke twice a second to look whether it should stop). Answers the port it listens on;
    None (nothing listens) with metrics off."""
    if not metrics_enabled():
        yield None
        return
    server = await asyncio.start_server(_answer_scrape, host, port)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def _answer_scrape(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

    try:
        async with asyncio.timeout(METRICS_REQUEST_SECONDS):
            head = await reader.readuntil(b"\r\n\r\n")
        method, target = [*head.split(b" ", 2), b"", b""][:2]
        if method == b"GET" and target.split(b"?")[0] == b"/metrics":
            status, kind, body = "200 OK", CONTENT_TYPE_LATEST, generate_latest(REGISTRY)
        else:
            status, kind, body = "404 Not Found", "text/plain; charset=utf-8", b"GET /metrics\n"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
    except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass  # the scraper went away or never asked: nothing to answer
    finally:
        writer.close()


class _DatedState(ServerState):
    """uvicorn's server state whose ``default_headers`` carry a ``Date`` as fresh as the
    response asking for them (worked out at most once a second), where uvicorn refreshes it
    from a tick every second whether anyone asks or not."""

    def __init__(self) -> None:
        self._extra: list[tuple[bytes, bytes]] = []
        self._second = -1
        self._headers: list[tuple[bytes, bytes]] = []
        super().__init__()

    @property
    def default_headers(self) -> list[tuple[bytes, bytes]]:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._headers = [(b"date", formatdate(now, usegmt=True).encode()), *self._extra]
        return self._headers

    @default_headers.setter
    def default_headers(self, headers: list[tuple[bytes, bytes]]) -> None:
        self._extra = [(name, value) for name, value in headers if name.lower() != b"date"]
        self._second = -1


def settle_heap(collect: bool = True) -> None:
    """Keep what lives as long as the process out of every later garbage collection.

    A service's modules, app, pools and clients are some 200,000 objects; a full
    collection walks them all, and stopped the event loop for tens to hundreds of
    milliseconds every minute or so, every request in flight waiting (bench/RESULTS.md,
    section (a2)). Frozen (``gc.freeze``), later collections walk only what was made
    since. ``collect``: first collect what is already garbage (a full collection: at
    start-up, not while serving)."""
    if collect:
        gc.collect()
    gc.freeze()


def _settle_after_first_document(app: FastAPI) -> None:
    """The OpenAPI document, built at its first request and kept for the life of the
    process, is some 50,000 objects more for every full collection to walk: frozen too."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = build()
        if first:
            settle_heap(collect=False)  # serving: no full collection here
        return document

    app.openapi = openapi  # type: ignore[method-assign]


class RestingServer(uvicorn.Server):
    """uvicorn's server without its tick: asleep until it is told to stop.

    Its main loop wakes ten times a second to refresh the ``Date`` header and to look
    whether a signal asked it to stop: wake-ups in every service for nothing. Here the
    ``Date`` header is worked out when a response asks for it (:class:`_DatedState`), and
    SIGINT, SIGTERM or ``should_exit = True`` end the wait at once. (uvicorn's
    ``limit_max_requests`` and ``callback_notify``, which the tick also serves, are not
    used here.)"""

    def __init__(self, config: uvicorn.Config) -> None:
        self._exit = False
        self._stop_asked = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        super().__init__(config)
        self.server_state = _DatedState()

    @property
    def should_exit(self) -> bool:
        return self._exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._exit = value
        if value and self._loop is not None:
            # a signal handler or another thread may set it: hand the wake to the loop safely
            self._loop.call_soon_threadsafe(self._stop_asked.set)

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        settle_heap()  # started: the lifespan has built what lives as long as the process
        if await self.on_tick(0):  # uvicorn's start-of-serving work (its headers)
            return
        while not self._exit:
            self._stop_asked.clear()
            if not self._exit:
                await self._stop_asked.wait()


async def serve(app: FastAPI, host: str, port: int, metrics_port: int) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn's own handlers), then run the lifespan's close;
    the metrics on ``metrics_port`` meanwhile.

    Requests in flight get a bounded time to finish: without a bound, one stuck request
    (or a client holding a stream open) keeps the process from ever stopping.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        # the parser in C (httptools): h11's pure-Python parsing was a share of every request
        http="httptools",
        timeout_graceful_shutdown=int(STOP_WITHIN_SECONDS),
    )
    async with metrics_listener(host, metrics_port):
        await RestingServer(config).serve()


def run(app: FastAPI, host: str, port: int, metrics_port: int) -> None:
    """A service process's whole life (every ``services/*/__main__.py``): ``serve`` on uvloop.

    uvloop's event loop is libuv's, in C: each turn of the loop, each socket read and
    write (to PostgreSQL, the broker and HTTP clients) and each timer costs less Python
    than asyncio's own loop, and a service makes several of each per request and per
    message. The code is the same on both loops; the tests run on asyncio's as well."""
    uvloop.run(serve(app, host, port, metrics_port))
