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


class Note(BaseModel):
    text: str
    count: int = 1


async def _sender(request: Request) -> str:
    sender = request.headers.get("x-who")
    if sender is None:
        raise InvalidInput("no sender", code="sender_required", status=400)
    return sender


def _command_app() -> FastAPI:
    app = _app()
    router = APIRouter()

    @router.post("/notes/{name}/send")
    @answered_directly
    async def send(name: str, who: Annotated[str, Depends(_sender)], note: Note) -> Item:
        at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
        return Item(name=name, at=at, note=f"{who}: {note.text} x{note.count}")

    app.include_router(router)
    install_direct_routes(app)
    return app


async def _post(app: FastAPI, url: str, body: bytes, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.post(url, content=body, headers=headers)


async def test_a_command_is_answered_as_the_router_would_body_first() -> None:
    app = _command_app()
    sender, json = {"x-who": "agent.li"}, {"content-type": "application/json"}
    asks = [
        ("/notes/a%20b/send", b'{"text": "hi", "count": 2}', {**sender, **json}),
        ("/notes/x/send", b'{"count": "many"}', {**sender, **json}),
        ("/notes/x/send", b"", {**sender, **json}),
        ("/notes/x/send", b'{"text": "hi"}', {**sender, "content-type": "text/plain"}),
        ("/notes/x/send", b'{"text": "hi"}', json),  # no sender: the dependency refuses
        ("/notes/x/send", b'{"text": ', json),  # not JSON: refused before the dependency
        ("/notes/x/send?x=1", b'{"text": "hi"}', {**sender, **json}),  # an unknown filter
    ]
    with router_refusing(app) as asked:
        answers = [await _post(app, url, body, **headers) for url, body, headers in asks]
    with router_alone(app):
        routed = [await _post(app, url, body, **headers) for url, body, headers in asks]
    assert asked == []
    for (url, body, _), ours, theirs in zip(asks, answers, routed, strict=True):
        assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content), (url, body)
    assert [a.status_code for a in answers] == [200, 422, 422, 422, 400, 422, 422]
    assert answers[0].json()["name"] == "a b"


def test_a_command_with_a_path_an_earlier_route_may_take_is_refused() -> None:
    router = APIRouter()

    @router.get("/notes/{name}/send")  # another method: it does not take the command's
    async def sent(name: str) -> Page:
        return Page(items=[], has_more=False)

    @router.post("/notes/{name}/{what}")
    async def other(name: str, what: str) -> Page:
        return Page(items=[], has_more=False)

    @router.post("/notes/{name}/send")
    @answered_directly
    async def send(name: str, note: Note) -> Page:
        return Page(items=[], has_more=False)

    with pytest.raises(RuntimeError, match="declared before"):
        direct_routes(_marked(router))


def test_a_command_whose_path_parameter_fastapi_would_check_is_refused() -> None:
    router = APIRouter()

    @router.post("/notes/{number}/send")
    @answered_directly
    async def send(number: int, note: Note) -> Page:
        return Page(items=[], has_more=False)

    with pytest.raises(RuntimeError, match="path parameter is not text"):
        direct_routes(_marked(router))


def test_a_body_on_a_get_is_refused() -> None:
    router = APIRouter()

    @router.get("/notes")
    @answered_directly
    async def notes(note: Note) -> Page:
        return Page(items=[], has_more=False)

    with pytest.raises(RuntimeError, match="no POST"):
        direct_routes(_marked(router))
