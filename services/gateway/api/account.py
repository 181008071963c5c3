"""A signed-in account's own access: signing out, changing its password."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from services.gateway import lifecycle
from services.gateway.api.models import PasswordChangeIn, TokenOut, errors
from services.gateway.calls import Call

router = APIRouter(tags=["auth"])


@router.post("/api/v1/auth/logout", status_code=204, responses=errors(401, 403, 422))
async def logout(call: Call) -> Response:
    """Sign out: every token of this account stops working at once."""
    await lifecycle.logout(call.gateway, call.actor)
    return Response(status_code=204)


@router.post("/api/v1/auth/password", response_model=TokenOut, responses=errors(401, 403, 422, 429))
async def change_password(body: PasswordChangeIn, call: Call) -> TokenOut:
    """Choose a new password (required after an admin's reset). Every other session ends;
    the answer is a new token for this one. A wrong current password → 403
    wrong_password."""
    token = await lifecycle.change_password(
        call.gateway, call.actor, body.current_password, body.new_password
    )
    return TokenOut(access_token=token.access_token, expires_in=token.expires_in)
