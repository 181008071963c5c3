"""What the accounts routes share: their dependencies, from the composition root."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.rental.accounts.deps import AccountDeps
from shared.errors import InvalidInput


async def _accounts(request: Request) -> AccountDeps:
    accounts: AccountDeps = request.app.state.accounts
    return accounts


Accounts = Annotated[AccountDeps, Depends(_accounts)]


def key_required(idempotency_key: str | None) -> str:
    """Money-moving commands carry an Idempotency-Key: a retry must not move money twice."""
    if idempotency_key is None:
        raise InvalidInput(
            "this command moves money: send an Idempotency-Key header",
            code="idempotency_key_required",
            status=400,
        )
    return idempotency_key
