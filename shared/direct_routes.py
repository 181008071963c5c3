"""The busiest routes answered past FastAPI's route matching and dependency solving.

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

The busiest command is answered the same way: a ``POST`` with text path parameters and a
JSON body (the voucher service's order reversal). Its body is read and parsed as FastAPI's
route handler reads it, before any dependency (a body that is not JSON is refused first, as
there), and validated with the route's own body field by FastAPI's own function, so a bad
body's 422 lists the same errors.

Only what can be answered exactly as FastAPI would: ``GET`` at an exact path, or ``POST``
with path parameters that are text (FastAPI refuses no segment the path's pattern
matched); no route declared before them that could take the path; query parameters that
are optional text (FastAPI refuses no value of them); a body only on ``POST``, JSON, not a
form, with no body size limit of FastAPI's own (the input guard's stands before every
route); dependencies that take the request alone or that the app names a solver for. A
mark that cannot be honoured stops the app from building.
"""

from __future__ import annotations

import email.message
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, params
from fastapi._body_limit import get_body_limit_error
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, serialize_response
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined as Undefined
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
Guard = Callable[[Request], Awaitable[None]]
Solver = Callable[[Request], Awaitable[Any]]
"""How the direct path gets a dependency's value from the request alone."""
_DIRECT = "_kefu_answered_directly"
_NO_BODY: Any = Undefined
"""No body was sent: FastAPI's ``Undefined`` (a required body is missing, an optional one
takes its default)."""


def answered_directly(endpoint: F) -> F:
    """Marks a GET route or a POST command to answer past the router (checked when the app
    is built)."""
    setattr(endpoint, _DIRECT, True)
    return endpoint


@dataclass(frozen=True)
class Body:
    """How a POST's body is read and validated, as the route's own handler would."""

    fields: list[Any]
    """The route's body fields (FastAPI's ``ModelField``)."""
    embedded: bool
    strict_content_type: bool
    """A body without a Content-Type is not read as JSON (FastAPI's default)."""

    async def read(self, request: Request) -> Any:
        """The body as FastAPI's route handler reads it before any dependency
        (fastapi.routing.get_request_handler): JSON when the Content-Type says so, the
        bytes otherwise, ``_NO_BODY`` when empty; JSON that does not parse is a 422."""
        try:
            raw = await request.body()
            if not raw:
                return _NO_BODY
            kind = request.headers.get("content-type")
            if kind is None or kind == "":
                return raw if self.strict_content_type else await request.json()
            return await request.json() if _json_type(kind) else raw
        except json.JSONDecodeError as exc:
            error = {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
            raise RequestValidationError([error], body=exc.doc) from exc
        except HTTPException:
            raise
        except Exception as exc:
            if MAX_BODY_SIZE_SCOPE_KEY in request.scope and (limited := get_body_limit_error(exc)):
                raise limited from exc
            raise HTTPException(400, "There was an error parsing the body") from exc

    async def validated(self, body: Any) -> dict[str, Any]:
        """The body's values by parameter, validated by FastAPI's own function (the same
        errors, the same 422)."""
        values, errors = await request_body_to_args(
            body_fields=self.fields, received_body=body, embed_body_fields=self.embedded
        )
        if errors:
            raise RequestValidationError(errors, body=None if body is _NO_BODY else body)
        return values


def _json_type(kind: str) -> bool:
    """FastAPI's test of a Content-Type: ``application/json`` or ``application/*+json``."""
    if kind == "application/json":
        return True
    message = email.message.Message()
    message["content-type"] = kind
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


@dataclass(frozen=True)
class DirectRoute:
    """A marked route and what its function is called with."""

    route: APIRoute
    solved: tuple[tuple[str, Solver], ...]
    """Each dependency's parameter name and how its value is had."""
    filters: tuple[tuple[str, str, Any], ...]
    """Each query parameter's name, its alias in the query and its default."""
    method: str = "GET"
    pattern: re.Pattern[str] | None = None
    """The path's pattern when it has parameters; None: the exact path."""
    body: Body | None = None
    """How its body is read (a POST command); None: it takes none."""

    async def answer(self, request: Request, body: Any = _NO_BODY) -> Response:
        """The route's answer: its dependencies solved in order, then its query, path and
        body values (``body`` as :meth:`Body.read` read it), then its function."""
        query = request.query_params
        values: dict[str, Any] = {name: await solve(request) for name, solve in self.solved}
        for name, alias, default in self.filters:
            values[name] = query.get(alias, default)
        values.update(request.scope["path_params"])
        if self.body is not None:
            values.update(await self.body.validated(body))
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
    """Inside the router's middleware stack: the marked routes by method and path, the rest
    passed on."""

    def __init__(
        self, app: ASGIApp, routes: Mapping[str, DirectRoute], guards: Sequence[Guard]
    ) -> None:
        self.app = app
        self.routes = routes
        self.guards = guards
        self._exact = {(r.method, path): r for path, r in routes.items() if r.pattern is None}
        self._patterns: dict[str, list[DirectRoute]] = {}
        for direct in routes.values():  # in the order they were declared, as the router tries
            if direct.pattern is not None:
                self._patterns.setdefault(direct.method, []).append(direct)

    def _find(self, scope: Scope) -> tuple[DirectRoute | None, dict[str, str]]:
        if scope["type"] != "http" or scope.get("root_path"):
            return None, {}
        method, path = scope["method"], scope["path"]
        direct = self._exact.get((method, path))
        if direct is not None:
            return direct, {}
        for candidate in self._patterns.get(method, ()):
            assert candidate.pattern is not None
            found = candidate.pattern.match(path)
            if found is not None:
                return candidate, found.groupdict()  # text parameters: as matched
        return None, {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        direct, path_params = self._find(scope)
        if direct is None:
            await self.app(scope, receive, send)
            return
        # what the router would have put in the scope for this route
        route = direct.route
        scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, path_params
        request = Request(scope, receive, send)
        # FastAPI reads the body before it solves any dependency, the app-wide ones too
        body = await direct.body.read(request) if direct.body is not None else _NO_BODY
        for guard in self.guards:  # the app-wide dependencies, first as there
            await guard(request)
        response = await direct.answer(request, body)
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
    effective = _effective_contexts(app)
    for route in _in_order(app.router.routes):
        if isinstance(route, APIRoute) and getattr(route.endpoint, _DIRECT, False):
            context = effective.get(id(route), route)
            routes[route.path] = _direct(route, context, earlier, solvers or {}, required)
        earlier.append(route)
    return routes


def _direct(
    route: APIRoute,
    context: Any,
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
    methods = route.methods or set()
    method = next(iter(methods), "")
    problem = (
        "it answers other than GET or POST alone"
        if methods not in ({"GET"}, {"POST"})
        else "it has path parameters"
        if dependant.path_params and method != "POST"
        else "a path parameter is not text"
        if not all(_any_text(p) for p in dependant.path_params)
        or not all(isinstance(c, StringConvertor) for c in route.param_convertors.values())
        else "it takes a body but is no POST"
        if dependant.body_params and method != "POST"
        else "its body is not JSON in FastAPI's way (a form, a content type or size of its own)"
        if dependant.body_params and not _json_body(context)
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
        else "a route declared before it may take its path"
        if _taken(route, method, earlier)
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
    pattern = route.path_regex if route.param_convertors else None
    body = None
    if dependant.body_params:
        strict = context.strict_content_type
        body = Body(
            list(dependant.body_params),
            bool(context._embed_body_fields),
            strict.value if isinstance(strict, DefaultPlaceholder) else bool(strict),
        )
    return DirectRoute(route, solved, filters, method, pattern, body)


def _effective_contexts(app: FastAPI) -> dict[int, Any]:
    """Each included route's context as FastAPI serves it (by the route's id): what the
    include adds (its content type rule, its body limit)."""
    found: dict[int, Any] = {}
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                found[id(context.original_route)] = context
    return found


def _json_body(context: Any) -> bool:
    """A body FastAPI reads as JSON with no limit of its own: the direct path reads it so."""
    body_field = getattr(context, "body_field", None)
    return (
        body_field is not None
        and not isinstance(body_field.field_info, params.Form)
        and getattr(context, "max_body_size", None) is None
        and hasattr(context, "_embed_body_fields")
    )


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


def _any_text(param: Any) -> bool:
    """A path parameter of plain text: FastAPI refuses no segment its pattern matched."""
    info: FieldInfo = param.field_info
    return info.annotation is str and not info.metadata


def _in_order(routes: list[Any]) -> Iterator[Any]:
    """Every route as the router tries them: an included router's own, in its place."""
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's include, kept whole
        if included is not None:
            yield from _in_order(included.routes)
        else:
            yield route


def _taken(route: APIRoute, method: str, earlier: list[Any]) -> bool:
    """Whether a route the router tries first might take a request this one answers: its
    path could match one of ours (segment by segment, a parameter matching anything) and
    it answers the method (a mount answers all)."""
    ours = route.path_format.split("/")
    for other in earlier:
        path_format = getattr(other, "path_format", None)
        if path_format is None:
            return True  # a route of a kind not known here: it may take anything
        answers = getattr(other, "methods", None)
        if answers is not None and method not in answers:
            continue
        rest = {
            name
            for name, convertor in getattr(other, "param_convertors", {}).items()
            if not isinstance(convertor, StringConvertor)
        }
        if _overlap(ours, path_format.split("/"), rest):
            return True
    return False


def _overlap(ours: list[str], theirs: list[str], spanning: set[str]) -> bool:
    """Segment by segment: equal text, or a parameter on either side. ``spanning``: their
    parameters that may match more than one segment (a ``path`` one takes the rest)."""
    for index, segment in enumerate(theirs):
        if "{" in segment and any(f"{{{name}}}" in segment for name in spanning):
            return index <= len(ours)
        if index >= len(ours):
            return False
        mine = ours[index]
        if "{" not in segment and "{" not in mine and segment != mine:
            return False
    return len(ours) == len(theirs)


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
