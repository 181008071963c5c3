"""Client Idempotency-Keys: the same key answers with the same operation, one effect."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.voucher.domain.model import Order
from services.voucher.domain.operation import Outcome
from services.voucher.store import vouchers
from services.voucher.store.operations import outcome_of
from shared import idempotency
from shared.idempotency import Command


async def claim(
    conn: asyncpg.Connection, key: str | None, command: Command, operation_id: UUID
) -> Outcome | None:
    """Claim ``key`` for this command, or return the outcome of the command that holds it.

    The answer is the operation as it stands now (it may have finished since), not a
    stored copy: the operation is what the client asked about.
    """
    if key is None:
        return None
    prior = await idempotency.claim(conn, key, command, str(operation_id))
    if prior is None:
        return None
    return await outcome_of(conn, UUID(prior.subject))


async def claim_and_lock_order(
    conn: asyncpg.Connection,
    key: str | None,
    command: Command,
    operation_id: UUID,
    merchant_order_no: str,
) -> tuple[Outcome | None, Order | None]:
    """:func:`claim`, then the order locked, in one statement when there is a key: the
    outcome of the command that holds the key (None: it is this command's now), and the
    order (None if there is none)."""
    if key is None:
        return None, await vouchers.lock_order(conn, merchant_order_no)
    claim_args = idempotency.claim_args(key, command, str(operation_id))
    claimed, order = await vouchers.lock_order_claiming(conn, merchant_order_no, claim_args)
    if claimed:
        return None, order
    prior = await idempotency.claimed_before(conn, key, command)
    return await outcome_of(conn, UUID(prior.subject)), order


async def rebind(conn: asyncpg.Connection, key: str | None, operation_id: UUID) -> None:
    """The command resumed an existing operation: the key answers with that one."""
    if key is not None:
        await idempotency.rebind(conn, key, str(operation_id))
