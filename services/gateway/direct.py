"""The proxied searches past FastAPI's routing and dependency solving.

An agent's search (``GET /api/v1/vouchers``) is the gateway's busiest request, and all it
does is sign the caller in, check the route table and pass the request on. FastAPI's
route matching over every declared route and its dependency solving (the query
parameters declared for the API document, the bearer scheme, the headers) were a large
share of the gateway's work on it (bench/RESULTS.md, section (a2)). A route marked
:func:`forwards_as_is` is answered here instead, by the same functions in the same order
as its dependencies: the app-wide ones (the unknown-filter check, the integer range
check), then :func:`authorized_call` (the sign-in, the role table, the Idempotency-Key),
then the route's own function. Everything around
the router stays as it was: the tracing (the span is named by the route, set here as the
router would), the input guard, the error answers (raised to the same handlers).

Only exact paths without parameters, answered by ``GET`` and by no route declared before
them: anything else goes to the router as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.calls import authorized_call, bearer

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
Guard = Callable[[Request], Awaitable[None]]
_AS_IS = "_kefu_forwards_as_is"


def forwards_as_is(endpoint: F) -> F:
    """Marks a GET route whose function only forwards its :data:`~services.gateway.calls.Call`
    (``return await call.forward()``): its query parameters are declared for the document and
    sent on as the client wrote them, so nothing is lost by not parsing them here."""
    setattr(endpoint, _AS_IS, True)
    return endpoint


class DirectForwards:
    """Inside the router's middleware stack: the marked routes by path, the rest passed on."""

    def __init__(
        self, app: ASGIApp, routes: Mapping[str, APIRoute], guards: Sequence[Guard]
    ) -> None:
        self.app = app
        self.routes = routes
        self.guards = guards

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (
            self.routes.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path")
            else None
        )
        if route is None:
            await self.app(scope, receive, send)
            return
        # what the router would have put in the scope for this route
        scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, {}
        request = Request(scope, receive, send)
        for guard in self.guards:  # the app-wide dependencies, first as there
            await guard(request)
        call = await authorized_call(
            request, await bearer(request), request.headers.get("idempotency-key")
        )
        response = await route.endpoint(call)
        await response(scope, receive, send)


def direct_routes(app: FastAPI) -> dict[str, APIRoute]:
    """The marked routes by path; a marked route that could not be answered here (a method
    other than GET, a path parameter, a body, or an earlier route taking its path) is a
    mistake found at start-up."""
    routes: dict[str, APIRoute] = {}
    earlier: list[Any] = []
    for route in _in_order(app.router.routes):
        if isinstance(route, APIRoute) and getattr(route.endpoint, _AS_IS, False):
            problem = (
                "it answers more than GET"
                if route.methods != {"GET"}
                else "it has path parameters"
                if route.dependant.path_params
                else "it takes a body"
                if route.dependant.body_params
                else "it has other dependencies than the sign-in"
                if [d.call for d in route.dependant.dependencies] != [authorized_call]
                or route.dependencies
                else "a query parameter is required or not text"
                if not all(_free_text(q) for q in route.dependant.query_params)
                else "a route declared before it takes its path"
                if _taken(route.path, earlier)
                else None
            )
            if problem is not None:
                raise RuntimeError(f"{route.path} cannot be forwarded as is: {problem}")
            routes[route.path] = route
        earlier.append(route)
    return routes


def _free_text(param: Any) -> bool:
    """Optional text: FastAPI would refuse no value of it."""
    return not param.field_info.is_required() and param.field_info.annotation in (str, str | None)


def _in_order(routes: list[Any]) -> Iterator[Any]:
    """Every route as the router tries them: an included router's own, in its place."""
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's include, kept whole
        if included is not None:
            yield from _in_order(included.routes)
        else:
            yield route


def _taken(path: str, routes: list[Any]) -> bool:
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    return any(route.matches(scope)[0] is not Match.NONE for route in routes)


def app_guards(app: FastAPI) -> list[Guard]:
    """The app-wide dependencies (the unknown-filter check, the integer range check), each
    taking the request alone; one that takes anything else is a mistake found at start-up."""
    guards = [depends.dependency for depends in app.router.dependencies]
    for guard in guards:
        if guard is None or list(inspect.signature(guard).parameters) != ["request"]:
            raise RuntimeError(f"the direct path cannot run the app-wide dependency {guard!r}")
    return guards  # type: ignore[return-value]


def install_direct_forwards(app: FastAPI) -> None:
    """Once every route is declared."""
    app.router.middleware_stack = DirectForwards(
        app.router.middleware_stack, direct_routes(app), app_guards(app)
    )
