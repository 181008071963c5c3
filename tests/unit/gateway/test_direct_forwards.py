"""Only a route that the direct path answers exactly as the router would is marked for it:
any other mark is a mistake found when the app is built."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from starlette.responses import Response

from services.gateway.app import create_app
from services.gateway.calls import Call
from services.gateway.direct import app_guards, direct_routes, forwards_as_is
from shared.filters import reject_unknown_filters
from shared.input_guard import integer_parameters_in_range
from shared.settings import Settings


def _app(router: APIRouter) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    return app


def test_the_voucher_search_is_the_one_route_answered_directly() -> None:
    app = create_app(Settings())
    assert list(direct_routes(app)) == ["/api/v1/vouchers"]
    # every app-wide dependency runs on the direct path too, in the same order
    assert app_guards(app) == [reject_unknown_filters, integer_parameters_in_range]


def test_an_app_wide_dependency_that_needs_more_than_the_request_is_refused() -> None:
    async def needs_a_header(request: Request, x_thing: str | None = Header(None)) -> None:
        return None

    app = FastAPI(dependencies=[Depends(needs_a_header)])
    with pytest.raises(RuntimeError, match="app-wide dependency"):
        app_guards(app)


def test_a_route_with_a_path_parameter_is_refused() -> None:
    router = APIRouter()

    @router.get("/things/{name}")
    @forwards_as_is
    async def thing(name: str, call: Call) -> Response:
        return await call.forward()

    with pytest.raises(RuntimeError, match="path parameters"):
        direct_routes(_app(router))


def test_a_number_filter_is_refused_since_fastapi_would_check_it() -> None:
    router = APIRouter()

    @router.get("/things")
    @forwards_as_is
    async def things(call: Call, limit: int | None = None) -> Response:
        return await call.forward()

    with pytest.raises(RuntimeError, match="not text"):
        direct_routes(_app(router))


def test_a_path_an_earlier_route_takes_is_refused() -> None:
    router = APIRouter()

    @router.get("/{anything}")
    async def anything(anything: str) -> Response:
        return Response()

    @router.get("/things")
    @forwards_as_is
    async def things(call: Call, name: str | None = None) -> Response:
        return await call.forward()

    with pytest.raises(RuntimeError, match="declared before"):
        direct_routes(_app(router))


def test_a_route_without_the_sign_in_is_refused() -> None:
    router = APIRouter()

    @router.get("/things")
    @forwards_as_is
    async def things(name: str | None = None) -> Response:
        return Response()

    with pytest.raises(RuntimeError, match="does not depend on authorized_call"):
        direct_routes(_app(router))
