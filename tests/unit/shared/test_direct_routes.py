"""A route answered past FastAPI's router (shared.direct_routes) answers what the router
would, byte for byte; a route it could not answer exactly stops the app from building."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel

from shared.direct_routes import (
    answered_directly,
    direct_routes,
    install_direct_routes,
)
from shared.errors import InvalidInput
from shared.filters import reject_unknown_filters
from tests.serving import router_alone, router_refusing


class Item(BaseModel):
    name: str
    at: datetime
    note: str | None = None


class Page(BaseModel):
    items: list[Item]
    has_more: bool


async def _who(request: Request) -> str:
    return request.headers.get("x-who", "nobody")


Who = Annotated[str, Depends(_who)]


def _app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(reject_unknown_filters)])

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> object:
        from fastapi.responses import JSONResponse

        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    router = APIRouter()

    @router.get("/items")
    @answered_directly
    async def items(who: Who, name: str | None = None, limit: str | None = None) -> Page:
        if name == "bad":
            raise InvalidInput("a bad name", code="invalid_name")
        at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
        found = [Item(name=name or "any", at=at, note=f"{who} «{limit}»")]
        return Page(items=found, has_more=False)

    @router.get("/items/{name}")
    async def item(name: str) -> Item:
        return Item(name=name, at=datetime(2026, 1, 1, tzinfo=UTC))

    app.include_router(router)
    install_direct_routes(app)
    return app


async def _get(app: FastAPI, url: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.get(url, headers=headers)


async def test_the_direct_answer_is_the_routers_byte_for_byte() -> None:
    app = _app()
    urls = [
        "/items?name=Li&limit=20",
        "/items",
        "/items?name=",
        "/items?name=a&name=b",  # the last value, as FastAPI takes it
        "/items?name=bad",  # an error raised to the app's handler
        "/items?nmae=Li",  # an unknown filter, refused by the app-wide dependency
    ]
    with router_refusing(app):
        answers = [await _get(app, url, **{"x-who": "agent.li"}) for url in urls]
    with router_alone(app):
        routed = [await _get(app, url, **{"x-who": "agent.li"}) for url in urls]
    for url, ours, theirs in zip(urls, answers, routed, strict=True):
        assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content), url
        assert ours.headers["content-type"] == theirs.headers["content-type"], url
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 422, 422]


async def test_only_the_marked_route_is_answered_past_the_router() -> None:
    app = _app()
    with router_refusing(app) as asked:
        assert (await _get(app, "/items?name=Li")).status_code == 200
        assert (await _get(app, "/items/Li")).status_code == 599
    assert asked == ["/items/Li"]


def _marked(router: APIRouter) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    return app


def test_a_route_reading_a_header_itself_is_refused() -> None:
    router = APIRouter()

    @router.get("/things")
    @answered_directly
    async def things(x_thing: str | None = Header(None)) -> Page:
        return Page(items=[], has_more=False)

    with pytest.raises(RuntimeError, match="headers"):
        direct_routes(_marked(router))


async def _needs(request: Request, limit: int = 20) -> int:
    return limit


def test_a_dependency_taking_more_than_the_request_is_refused() -> None:
    router = APIRouter()

    @router.get("/things")
    @answered_directly
    async def things(n: Annotated[int, Depends(_needs)]) -> Page:
        return Page(items=[], has_more=False)

    with pytest.raises(RuntimeError, match="cannot solve"):
        direct_routes(_marked(router))
    # unless the app says how to solve it from the request
    assert list(direct_routes(_marked(router), {_needs: _who})) == ["/things"]


def test_a_number_filter_is_refused_since_fastapi_would_check_it() -> None:
    router = APIRouter()

    @router.get("/things")
    @answered_directly
    async def things(limit: int | None = None) -> Page:
        return Page(items=[], has_more=False)

    with pytest.raises(RuntimeError, match="not text"):
        direct_routes(_marked(router))


def test_a_plain_function_is_refused_since_fastapi_would_run_it_in_a_thread() -> None:
    router = APIRouter()

    @router.get("/things")  # type: ignore[type-var]
    @answered_directly
    def things() -> Page:
        return Page(items=[], has_more=False)

    with pytest.raises(RuntimeError, match="coroutine"):
        direct_routes(_marked(router))
