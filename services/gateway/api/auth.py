"""Signing in."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.gateway import handlers
from services.gateway.api.models import LoginIn, MeOut, TokenOut, errors
from services.gateway.calls import Call, gateway_of
from services.gateway.domain.route_groups import rights_of

router = APIRouter(tags=["auth"])


# No Idempotency-Key here, on purpose: its answer is a bearer token, and storing a
# token to replay it would keep a live credential in the database.
@router.post("/api/v1/auth/login", response_model=TokenOut, responses=errors(401, 422, 429, 503))
async def login(body: LoginIn, request: Request) -> TokenOut:
    """Sign in; wrong username or password → 401 invalid_credentials; after too many
    failures for the account or from the address → 429 too_many_attempts with
    Retry-After."""
    address = request.client.host if request.client else None
    token = await handlers.login(gateway_of(request), body.username, body.password, address)
    return TokenOut(access_token=token.access_token, expires_in=token.expires_in)


@router.get("/api/v1/auth/me", response_model=MeOut, responses=errors(401))
async def me(call: Call) -> MeOut:
    """Who the token signs in, with their current roles and what those roles may use."""
    groups, routes = rights_of(frozenset(call.actor.roles))
    return MeOut(
        username=call.actor.username, roles=sorted(call.actor.roles), groups=groups, routes=routes
    )
