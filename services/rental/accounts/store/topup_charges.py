"""Top-up charges at the payment device (``topup_charges``): pending, charged or failed.

Every function runs in the caller's transaction; the account's row lock is taken first
(``accounts.lock``), then the charge's, the same order everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.rental.accounts.domain.stored import Charge
from services.rental.accounts.domain.topup_limits import DayUsage
from shared.db import Db
from shared.db.rows import row_as, rows_as


@dataclass(frozen=True)
class Attempt:
    """What one attempt at a charge asks of the device, and who asked when."""

    amount_cents: int
    payment_method: str
    payer_account: str
    verification_id: str
    agent: str
    requested_at: datetime
    lease_until: datetime


def _values(a: Attempt) -> tuple[object, ...]:
    """The attempt's columns in the order the INSERT and the restart name them."""
    return (
        a.amount_cents,
        a.payment_method,
        a.payer_account,
        a.verification_id,
        a.agent,
        a.requested_at,
        a.lease_until,
    )


def _charge_or_none(row: asyncpg.Record | None) -> Charge | None:
    return None if row is None else row_as(Charge, row)


async def by_idempotency_key(db: Db, key: str, *, lock: bool = False) -> Charge | None:
    suffix = " FOR UPDATE" if lock else ""
    sql = f"SELECT * FROM topup_charges WHERE idempotency_key = $1{suffix}"
    return _charge_or_none(await db.fetchrow(sql, key))


async def get(db: Db, charge_id: str, *, lock: bool = False) -> Charge | None:
    suffix = " FOR UPDATE" if lock else ""
    sql = f"SELECT * FROM topup_charges WHERE charge_id = $1{suffix}"
    return _charge_or_none(await db.fetchrow(sql, charge_id))


async def day_usage(db: Db, user_id: str, start: datetime, end: datetime) -> DayUsage:
    """What the card topped up in ``[start, end)``: charged and still pending top-ups."""
    row = await db.fetchrow(
        "SELECT coalesce(sum(amount_cents), 0) AS amount, count(*) AS n FROM topup_charges"
        " WHERE user_id = $1 AND status <> 'failed' AND requested_at >= $2 AND requested_at < $3",
        user_id,
        start,
        end,
    )
    return DayUsage(int(row["amount"]), int(row["n"]))


async def insert_pending(
    conn: asyncpg.Connection,
    *,
    charge_id: str,
    user_id: str,
    idempotency_key: str | None,
    attempt: Attempt,
) -> Charge:
    row = await conn.fetchrow(
        "INSERT INTO topup_charges (charge_id, user_id, idempotency_key, amount_cents,"
        " payment_method, payer_account, verification_id, agent, requested_at, lease_until)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
        charge_id,
        user_id,
        idempotency_key,
        *_values(attempt),
    )
    assert row is not None
    return row_as(Charge, row)


async def restart(conn: asyncpg.Connection, charge_id: str, attempt: Attempt) -> Charge:
    """A refused charge asked again (the same Idempotency-Key): pending, its next attempt."""
    row = await conn.fetchrow(
        "UPDATE topup_charges SET status = 'pending', attempt = attempt + 1, amount_cents = $2,"
        " payment_method = $3, payer_account = $4, verification_id = $5, agent = $6,"
        " requested_at = $7, lease_until = $8, failure = NULL, detail = NULL,"
        " finished_at = NULL WHERE charge_id = $1 RETURNING *",
        charge_id,
        *_values(attempt),
    )
    assert row is not None
    return row_as(Charge, row)


async def take_over(conn: asyncpg.Connection, charge_id: str, lease_until: datetime) -> Charge:
    """A new attempt at a pending charge whose driver went silent."""
    row = await conn.fetchrow(
        "UPDATE topup_charges SET attempt = attempt + 1, lease_until = $2"
        " WHERE charge_id = $1 RETURNING *",
        charge_id,
        lease_until,
    )
    assert row is not None
    return row_as(Charge, row)


async def claim_due(
    conn: asyncpg.Connection, now: datetime, lease_until: datetime, limit: int
) -> list[Charge]:
    """Pending charges whose lease ran out, taken over (``SKIP LOCKED``: replicas share)."""
    return rows_as(
        Charge,
        await conn.fetch(
            "UPDATE topup_charges SET attempt = attempt + 1, lease_until = $2"
            " WHERE charge_id IN (SELECT charge_id FROM topup_charges"
            " WHERE status = 'pending' AND lease_until <= $1"
            " ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *",
            now,
            lease_until,
            limit,
        ),
    )


async def next_lease_end(db: Db) -> datetime | None:
    """The earliest lease of a pending charge (the recovery sweep sleeps until then)."""
    due: datetime | None = await db.fetchval(
        "SELECT min(lease_until) FROM topup_charges WHERE status = 'pending'"
    )
    return due


async def set_lease(conn: asyncpg.Connection, charge_id: str, lease_until: datetime) -> None:
    await conn.execute(
        "UPDATE topup_charges SET lease_until = $2 WHERE charge_id = $1", charge_id, lease_until
    )


async def mark_charged(
    conn: asyncpg.Connection, charge_id: str, serial_no: str, at: datetime
) -> None:
    await conn.execute(
        "UPDATE topup_charges SET status = 'charged', serial_no = $2, finished_at = $3,"
        " lease_until = NULL WHERE charge_id = $1",
        charge_id,
        serial_no,
        at,
    )


async def mark_failed(
    conn: asyncpg.Connection, charge_id: str, failure: str, detail: str, at: datetime
) -> None:
    await conn.execute(
        "UPDATE topup_charges SET status = 'failed', failure = $2, detail = $3,"
        " finished_at = $4, lease_until = NULL WHERE charge_id = $1",
        charge_id,
        failure,
        detail,
        at,
    )
