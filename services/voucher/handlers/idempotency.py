"""Client Idempotency-Keys: the same key answers with the same operation, one effect."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.voucher.domain.errors import IdempotencyKeyReused
from services.voucher.handlers.deps import Outcome, outcome_of
from services.voucher.store import operations


async def claim(
    conn: asyncpg.Connection, key: str | None, command: str, operation_id: UUID
) -> Outcome | None:
    """Claim ``key`` for this command, or return the outcome of the command that holds it."""
    if key is None:
        return None
    prior = await operations.claim_key(conn, key, command, operation_id)
    if prior is None:
        return None
    if prior["command"] != command:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key!r} was used for another request ({prior['command']})"
        )
    return await outcome_of(conn, prior["operation_id"])
