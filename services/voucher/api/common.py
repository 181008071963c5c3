"""What the routes share: the use cases' dependencies, the optional reason body, an
operation id from the path, a command run within the admission bound."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from fastapi import Body, Depends, Request

from services.voucher.api.views import operation_status
from services.voucher.deps import Deps
from services.voucher.domain.errors import OperationNotFound
from services.voucher.domain.operation import Outcome
from shared.api.voucher import OperationStatusOut, ReasonIn


async def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


VoucherDeps = Annotated[Deps, Depends(_deps)]
OptionalReason = Annotated[ReasonIn | None, Body()]


def operation_id_of(raw: str) -> UUID:
    """A path's operation id; one that is no UUID names no operation (404, not 422)."""
    try:
        return UUID(raw)
    except ValueError:
        raise OperationNotFound(f"no operation {raw}") from None


def reason_of(body: ReasonIn | None) -> str | None:
    return body.reason if body else None


async def admitted(deps: Deps, command: Callable[[], Awaitable[Outcome]]) -> OperationStatusOut:
    """Run a void, reversal or retry within the commands' admission bound (503 ``busy``
    past it); answer where its operation stands."""
    async with deps.commands.admit():
        outcome = await command()
    return operation_status(outcome)
