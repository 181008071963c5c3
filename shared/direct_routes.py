"""The busiest read routes answered past FastAPI's route matching and dependency solving.

An agent's search is the busiest request of the gateway and of the voucher service, and
its route only takes the request's own dependencies and optional text filters. FastAPI's
route matching over every declared route and its general dependency solving were a large
share of each process's work on it (bench/RESULTS.md, section (a2)). A route marked
:func:`answered_directly` is answered here instead, by the same functions in the same
order: the app-wide dependencies (the unknown-filter check, the integer range check),
then the route's own dependencies, then the route's function, whose answer is encoded
with the route's response model as FastAPI encodes it. Everything around the router
stays as it was: the tracing (the span is named by the route, set in the scope as the
router would), the input guard, the error answers (raised to the same handlers).

Only what can be answered exactly as FastAPI would: exact paths without parameters,
``GET``, no route declared before them taking the path, query parameters that are
optional text (FastAPI refuses no value of them), dependencies that take the request
alone or that the app names a solver for. A mark that cannot be honoured stops the app
from building.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, serialize_response
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
Guard = Callable[[Request], Awaitable[None]]
Solver = Callable[[Request], Awaitable[Any]]
"""How the direct path gets a dependency's value from the request alone."""
_DIRECT = "_kefu_answered_directly"


def answered_directly(endpoint: F) -> F:
    """Marks a GET route to answer past the router (checked when the app is built)."""
    setattr(endpoint, _DIRECT, True)
    return endpoint


@dataclass(frozen=True)
class DirectRoute:
    """A marked route and what its function is called with."""

    route: APIRoute
    solved: tuple[tuple[str, Solver], ...]
    """Each dependency's parameter name and how its value is had."""
    filters: tuple[tuple[str, str, Any], ...]
    """Each query parameter's name, its alias in the query and its default."""

    async def answer(self, request: Request) -> Response:
        query = request.query_params
        values: dict[str, Any] = {name: await solve(request) for name, solve in self.solved}
        for name, alias, default in self.filters:
            values[name] = query.get(alias, default)
        route = self.route
        answered = await route.endpoint(**values)
        if isinstance(answered, Response):
            return answered
        # as FastAPI's route handler encodes a returned value (fastapi.routing.get_request_handler)
        as_json = route.response_field is not None and isinstance(
            route.response_class, DefaultPlaceholder
        )
        content = await serialize_response(
            field=route.response_field,
            response_content=answered,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            dump_json=as_json,
        )
        status = route.status_code or 200
        if as_json:
            return Response(content=content, media_type="application/json", status_code=status)
        kind = route.response_class
        response_class = kind.value if isinstance(kind, DefaultPlaceholder) else kind
        answer: Response = response_class(content, status_code=status)
        return answer


class DirectRoutes:
    """Inside the router's middleware stack: the marked routes by path, the rest passed on."""

    def __init__(
        self, app: ASGIApp, routes: Mapping[str, DirectRoute], guards: Sequence[Guard]
    ) -> None:
        self.app = app
        self.routes = routes
        self.guards = guards

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        direct = (
            self.routes.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path")
            else None
        )
        if direct is None:
            await self.app(scope, receive, send)
            return
        # what the router would have put in the scope for this route
        route = direct.route
        scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, {}
        request = Request(scope, receive, send)
        for guard in self.guards:  # the app-wide dependencies, first as there
            await guard(request)
        response = await direct.answer(request)
        await response(scope, receive, send)


def direct_routes(
    app: FastAPI,
    solvers: Mapping[Callable[..., Any], Solver] | None = None,
    required: Callable[..., Any] | None = None,
) -> dict[str, DirectRoute]:
    """The marked routes by path. ``solvers``: how to get a dependency that takes more than
    the request; ``required``: a dependency every marked route must have (the gateway's
    sign-in). A marked route that could not be answered exactly here is a mistake found at
    start-up."""
    routes: dict[str, DirectRoute] = {}
    earlier: list[Any] = []
    for route in _in_order(app.router.routes):
        if isinstance(route, APIRoute) and getattr(route.endpoint, _DIRECT, False):
            routes[route.path] = _direct(route, earlier, solvers or {}, required)
        earlier.append(route)
    return routes


def _direct(
    route: APIRoute,
    earlier: list[Any],
    solvers: Mapping[Callable[..., Any], Solver],
    required: Callable[..., Any] | None,
) -> DirectRoute:
    dependant = route.dependant
    calls = [d.call for d in dependant.dependencies]
    unsolved = [
        sub.call
        for sub in dependant.dependencies
        if sub.call not in solvers and not _takes_the_request_alone(sub)
    ]
    problem = (
        "it answers more than GET"
        if route.methods != {"GET"}
        else "it has path parameters"
        if dependant.path_params
        else "it takes a body"
        if dependant.body_params
        else "it reads the request, headers or cookies itself"
        if dependant.header_params or dependant.cookie_params or dependant.request_param_name
        else f"it has a dependency the direct path cannot solve: {unsolved[0]!r}"
        if unsolved or route.dependencies
        else f"it does not depend on {getattr(required, '__name__', required)}"
        if required is not None and required not in calls
        else "a query parameter is required or not text"
        if not all(_free_text(q) for q in dependant.query_params)
        else "its answer has a status without a body"
        if route.status_code not in (None, 200)
        else "its function is not a coroutine function"
        if not inspect.iscoroutinefunction(route.endpoint)
        else "a route declared before it takes its path"
        if _taken(route.path, earlier)
        else None
    )
    if problem is not None:
        raise RuntimeError(f"{route.path} cannot be answered directly: {problem}")
    solved = tuple(
        (str(sub.name), solvers.get(sub.call) or sub.call)
        for sub in dependant.dependencies
        if sub.call is not None
    )
    filters = tuple(
        (q.name, q.alias, q.field_info.get_default(call_default_factory=True))
        for q in dependant.query_params
    )
    return DirectRoute(route, solved, filters)


def _takes_the_request_alone(sub: Dependant) -> bool:
    """An ``async def f(request: Request)``: FastAPI would pass it the request, nothing else."""
    call = sub.call
    return (
        call is not None
        and inspect.iscoroutinefunction(call)
        and sub.request_param_name is not None
        and list(inspect.signature(call).parameters) == [sub.request_param_name]
    )


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


def install_direct_routes(
    app: FastAPI,
    solvers: Mapping[Callable[..., Any], Solver] | None = None,
    required: Callable[..., Any] | None = None,
) -> DirectRoutes:
    """Once every route is declared (see :func:`direct_routes`)."""
    direct = DirectRoutes(
        app.router.middleware_stack, direct_routes(app, solvers, required), app_guards(app)
    )
    app.router.middleware_stack = direct
    return direct
