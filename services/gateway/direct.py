"""The proxied searches past FastAPI's routing and dependency solving (shared.direct_routes).

An agent's search (``GET /api/v1/vouchers``) is the gateway's busiest request, and all it
does is sign the caller in, check the route table and pass the request on. A route marked
:func:`forwards_as_is` is answered by shared.direct_routes, with the sign-in
(:func:`authorized_call`: the bearer token, the role table, the Idempotency-Key) solved from
the request as FastAPI solves it, after the app-wide dependencies and before the route's
own function. Only exact paths without parameters, answered by ``GET`` and by no route
declared before them: anything else goes to the router as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import FastAPI
from starlette.requests import Request

from services.gateway.calls import GatewayCall, authorized_call, bearer
from shared.direct_routes import (
    DirectRoute,
    DirectRoutes,
    answered_directly,
    app_guards,
    install_direct_routes,
)
from shared.direct_routes import direct_routes as _direct_routes

__all__ = [
    "DirectForwards",
    "app_guards",
    "direct_routes",
    "forwards_as_is",
    "install_direct_forwards",
]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
DirectForwards = DirectRoutes


def forwards_as_is(endpoint: F) -> F:
    """Marks a GET route whose function only forwards its :data:`~services.gateway.calls.Call`
    (``return await call.forward()``): its query parameters are declared for the document and
    sent on as the client wrote them."""
    return answered_directly(endpoint)


async def _signed_in(request: Request) -> GatewayCall:
    """:func:`authorized_call` with what FastAPI would solve for it from the request."""
    return await authorized_call(
        request, await bearer(request), request.headers.get("idempotency-key")
    )


_SOLVERS = {authorized_call: _signed_in}


def direct_routes(app: FastAPI) -> dict[str, DirectRoute]:
    """The marked routes by path; each must sign its caller in."""
    return _direct_routes(app, _SOLVERS, required=authorized_call)


def install_direct_forwards(app: FastAPI) -> None:
    """Once every route is declared."""
    install_direct_routes(app, _SOLVERS, required=authorized_call)
