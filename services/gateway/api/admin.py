"""Account management, for admins only."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from services.gateway import handlers, store
from services.gateway.answers import Answer
from services.gateway.api.models import UserIn, UserOut, UsersOut, errors
from services.gateway.calls import Call

router = APIRouter(tags=["admin"])


def _out(user: store.User) -> UserOut:
    return UserOut(
        username=user.username,
        roles=sorted(user.roles),
        active=user.active,
        created_by=user.created_by,
        created_at=user.created_at,
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
