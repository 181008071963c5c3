"""Input every app refuses before a route, a service or the database sees it.

One place for the gateway and every service (installed by ``shared.http.make_app``):

* a body over the size limit: 413 ``body_too_large`` (by Content-Length at once, or
  while a chunked body arrives), 1 MiB unless a route prefix is given more;
* a NUL character in the path, the query or any string of a JSON body: 422
  ``nul_character`` (PostgreSQL cannot store it in text, and no name, reason or
  phone has one);
* an integer outside PostgreSQL's ``bigint`` in a JSON body, or in a query or path
  parameter a route declares as an integer: 422 ``integer_out_of_range``.

Digit strings a route takes as text (an order number of 28 digits) stay text: only
JSON numbers and parameters declared ``int`` are integers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, get_args
from urllib.parse import unquote, unquote_to_bytes

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import InvalidInput

DEFAULT_BODY_LIMIT = 1024 * 1024
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_LONG_NUMBER = re.compile(rb"\d{19,}")
_INTEGER = re.compile(r"^[+-]?\d+$")


class BodyTooLarge(InvalidInput):
    status = 413
    code = "body_too_large"


def _refusal(exc: InvalidInput) -> JSONResponse:
    return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)


def nul_refusal(where: str) -> InvalidInput:
    return InvalidInput(f"a NUL character in the {where} is not accepted", code="nul_character")


def range_refusal(where: str) -> InvalidInput:
    return InvalidInput(
        f"an integer in the {where} is outside -2^63 .. 2^63-1", code="integer_out_of_range"
    )


def _strings_and_ints(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_and_ints(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_and_ints(item)
    else:
        yield value


def check_json(body: bytes) -> InvalidInput | None:
    """The body's refusal, if any. Cheap for a clean body: it is parsed only when a NUL
    or a long number may be in it."""
    if b"\x00" in body:
        return nul_refusal("body")
    suspicious_nul = b"\\u0000" in body
    if not suspicious_nul and not _LONG_NUMBER.search(body):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None  # the route's own parser answers a body that is not JSON
    for item in _strings_and_ints(parsed):
        if isinstance(item, str) and "\x00" in item:
            return nul_refusal("body")
        in_range = isinstance(item, bool) or not isinstance(item, int)
        if not in_range and not INT64_MIN <= item <= INT64_MAX:
            return range_refusal("body")
    return None


class InputGuard:
    """ASGI middleware: size, NUL characters, JSON integers (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, default_limit: int, limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits = limits if limits is not None else {}

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if b"\x00" in unquote_to_bytes(raw_path) or "\x00" in scope["path"]:
            await _refusal(nul_refusal("path"))(scope, receive, send)
            return
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"").replace(b"+", b" ")):
            await _refusal(nul_refusal("query"))(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refusal(_too_large(limit))(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        body, refusal = await _read(receive, limit)
        if refusal is None and b"json" in (_header(scope, b"content-type") or "").encode():
            refusal = check_json(body)
        if refusal is not None:
            await _refusal(refusal)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"the body is larger than {limit} bytes")


async def _read(receive: Receive, limit: int) -> tuple[bytes, InvalidInput | None]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect, when it comes

    return replayed


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


# --- query and path parameters a route declares as integers ----------------------------

_INT_PARAMS: dict[int, tuple[list[str], list[str]]] = {}


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in get_args(annotation)


def _int_params(route: APIRoute) -> tuple[list[str], list[str]]:
    """(query names, path names) the route declares as integers, worked out once."""
    found = _INT_PARAMS.get(id(route))
    if found is None:
        dependant = route.dependant
        query, path = [], []
        for sub in [dependant, *_all_dependencies(dependant)]:
            query += [p.alias for p in sub.query_params if _is_int(p.field_info.annotation)]
            path += [p.alias for p in sub.path_params if _is_int(p.field_info.annotation)]
        found = _INT_PARAMS[id(route)] = (query, path)
    return found


def _all_dependencies(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub
        yield from _all_dependencies(sub)


async def integer_parameters_in_range(request: Request) -> None:
    """An app-wide dependency: it runs before the route's own parameters are validated."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    query, path = _int_params(route)
    for name in query:
        for value in request.query_params.getlist(name):
            if _out_of_range(value):
                raise range_refusal("query")
    for name in path:
        segment = request.path_params.get(name)
        if isinstance(segment, str) and _out_of_range(unquote(segment)):
            raise range_refusal("path")


def _out_of_range(value: str) -> bool:
    text = value.strip()
    return bool(_INTEGER.match(text)) and not INT64_MIN <= int(text) <= INT64_MAX


def install_input_guard(app: FastAPI, default_limit: int = DEFAULT_BODY_LIMIT) -> None:
    """Guard ``app``'s input. Call before the routes are added (the dependency reaches
    the routes added after it)."""
    limits: dict[str, int] = {}
    app.state.body_limits = limits  # the middleware reads this very dict: allow_body adds
    app.router.dependencies.append(Depends(integer_parameters_in_range))
    # declared on every route: any of them may answer it (the guard stands before all)
    app.router.responses.setdefault(
        413, {"description": "body_too_large: the body is over the route's limit"}
    )
    app.add_middleware(InputGuard, default_limit=default_limit, limits=limits)


def allow_body(app: FastAPI, prefix: str, limit: int) -> None:
    """Let the routes under ``prefix`` take bodies up to ``limit`` bytes."""
    app.state.body_limits[prefix] = limit
