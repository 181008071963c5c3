"""Account management, for admins only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from starlette.responses import Response

from services.gateway import handlers, lifecycle, store
from services.gateway.answers import Answer
from services.gateway.api.models import (
    PasswordResetIn,
    RolesIn,
    UserIn,
    UserOut,
    UsersOut,
    errors,
)
from services.gateway.calls import Call

router = APIRouter(tags=["admin"])


def _out(user: store.User) -> UserOut:
    return UserOut(
        username=user.username,
        roles=sorted(user.roles),
        active=user.active,
        created_by=user.created_by,
        created_at=user.created_at,
        must_change_password=user.must_change_password,
    )


@router.get("/api/v1/admin/users", response_model=UsersOut, responses=errors(401, 403))
async def list_users(call: Call) -> UsersOut:
    return UsersOut(items=[_out(u) for u in await handlers.list_users(call.gateway)])


@router.post(
    "/api/v1/admin/users",
    status_code=201,
    responses={201: {"model": UserOut}, **errors(401, 403, 409, 422)},
)
async def create_user(body: UserIn, call: Call) -> Response:
    """Create a user with roles; the password is stored as an argon2 hash only."""

    async def produce() -> Answer:
        user = await handlers.create_user(
            call.gateway, call.actor, body.username, body.password, body.roles
        )
        return Answer(201, _out(user).model_dump(mode="json"))

    return await call.respond(produce, body.model_dump(mode="json"))


# Each change below is audited with the admin who made it; none on the admin's own account.
@router.post(
    "/api/v1/admin/users/{username}/disable",
    response_model=UserOut,
    responses=errors(401, 403, 404, 422),
)
async def disable_user(username: str, call: Call) -> Response:
    """The account can no longer sign in, and its tokens stop working at once."""
    return await _changed(
        call, lambda: lifecycle.set_active(call.gateway, call.actor, username, False)
    )


@router.post(
    "/api/v1/admin/users/{username}/enable",
    response_model=UserOut,
    responses=errors(401, 403, 404, 422),
)
async def enable_user(username: str, call: Call) -> Response:
    return await _changed(
        call, lambda: lifecycle.set_active(call.gateway, call.actor, username, True)
    )


@router.post(
    "/api/v1/admin/users/{username}/password-reset",
    status_code=204,
    responses=errors(401, 403, 404, 422),
)
async def reset_password(username: str, body: PasswordResetIn, call: Call) -> Response:
    """A new password the person must change at their next sign-in; their sessions end."""
    await lifecycle.reset_password(call.gateway, call.actor, username, body.new_password)
    return Response(status_code=204)


@router.post(
    "/api/v1/admin/users/{username}/roles",
    response_model=UserOut,
    responses=errors(401, 403, 404, 422),
)
async def set_roles(username: str, body: RolesIn, call: Call) -> Response:
    """Replace the account's roles: never your own, never admin with a financial role."""
    return await _changed(
        call, lambda: lifecycle.set_roles(call.gateway, call.actor, username, body.roles)
    )


async def _changed(
    call: Call, change: Callable[[], Awaitable[store.User]], body: object = None
) -> Response:
    """The changed account, once per Idempotency-Key."""

    async def produce() -> Answer:
        return Answer(200, _out(await change()).model_dump(mode="json"))

    return await call.respond(produce, body)
