"""What the routes share: the use cases' dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from services.refund.handlers.deps import Deps
from shared.idempotency import Answer


async def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


RefundDeps = Annotated[Deps, Depends(_deps)]


def answered(answer: Answer | None) -> JSONResponse:
    """A keyed command's answer, as it was first given (the handler always renders it)."""
    assert answer is not None, "a keyed command returns its answer"
    return JSONResponse(answer.body, status_code=answer.status)
