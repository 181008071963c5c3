"""Top-up codes (hashes only), identity verifications, and top-ups with their receipts."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from services.rental.accounts.domain.stored import Receipt
from services.rental.accounts.domain.topup_identity import IdentityMethod, Verification
from shared.db import Db
from shared.db.rows import row_as, rows_as
from shared.paging import Position
from shared.verification import CODE_COLUMNS, VerificationCode, code_from_row


async def lock_codes(conn: asyncpg.Connection, user_id: str) -> None:
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"topup-code:{user_id}"
    )


async def latest_code(db: Db, user_id: str, purpose: str) -> VerificationCode | None:
    row = await db.fetchrow(
        f"SELECT {CODE_COLUMNS} FROM topup_codes WHERE user_id = $1 AND purpose = $2"
        " ORDER BY issued_at DESC LIMIT 1",
        user_id,
        purpose,
    )
    return code_from_row(row) if row is not None else None


async def code_by_id(db: Db, code_id: str) -> VerificationCode | None:
    row = await db.fetchrow(f"SELECT {CODE_COLUMNS} FROM topup_codes WHERE id = $1", code_id)
    return code_from_row(row) if row is not None else None


async def insert_code(
    conn: asyncpg.Connection,
    user_id: str,
    code: VerificationCode,
    *,
    requested_by: str,
    sms_dedupe_key: str,
) -> None:
    await conn.execute(
        "UPDATE topup_codes SET superseded = true WHERE user_id = $1 AND purpose = $2"
        " AND used_at IS NULL AND NOT superseded",
        user_id,
        code.purpose,
    )
    await conn.execute(
        "INSERT INTO topup_codes (id, user_id, phone, purpose, salt, code_hash, issued_at,"
        " expires_at, attempts_left, requested_by, sms_dedupe_key)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        code.id,
        user_id,
        code.phone,
        code.purpose,
        code.salt,
        code.code_hash,
        code.issued_at,
        code.expires_at,
        code.attempts_left,
        requested_by,
        sms_dedupe_key,
    )


async def save_code_check(conn: asyncpg.Connection, code: VerificationCode) -> None:
    await conn.execute(
        "UPDATE topup_codes SET attempts_left = $2, used_at = $3 WHERE id = $1",
        code.id,
        code.attempts_left,
        code.used_at,
    )


def _verification(row: asyncpg.Record) -> Verification:
    return Verification(
        id=str(row["id"]),
        user_id=row["user_id"],
        method=IdentityMethod(row["method"]),
        verified_by=row["verified_by"],
        verified_at=row["verified_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


async def insert_verification(
    conn: asyncpg.Connection, v: Verification, document_last4: str | None
) -> None:
    await conn.execute(
        "INSERT INTO identity_verifications (id, user_id, method, document_last4, verified_by,"
        " verified_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        v.id,
        v.user_id,
        v.method.value,
        document_last4,
        v.verified_by,
        v.verified_at,
        v.expires_at,
    )


async def verification_for_update(
    conn: asyncpg.Connection, verification_id: str
) -> Verification | None:
    row = await conn.fetchrow(
        "SELECT * FROM identity_verifications WHERE id = $1 FOR UPDATE", verification_id
    )
    return _verification(row) if row is not None else None


async def use_verification(
    conn: asyncpg.Connection, verification_id: str, used_by: str, at: datetime
) -> None:
    """Spend the verification on a top-up: its charge id while pending, then its serial."""
    await conn.execute(
        "UPDATE identity_verifications SET used_at = $2, used_by_topup = $3 WHERE id = $1",
        verification_id,
        at,
        used_by,
    )


async def release_verification(
    conn: asyncpg.Connection, verification_id: str, charge_id: str
) -> None:
    """The charge failed: the verification is good again (for its few minutes)."""
    await conn.execute(
        "UPDATE identity_verifications SET used_at = NULL, used_by_topup = NULL"
        " WHERE id = $1 AND used_by_topup = $2",
        verification_id,
        charge_id,
    )


async def next_serial(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT nextval('topup_serial')"))


async def by_idempotency_key(db: Db, key: str) -> Receipt | None:
    row = await db.fetchrow("SELECT * FROM topups WHERE idempotency_key = $1", key)
    return None if row is None else row_as(Receipt, row)


async def insert_topup(
    conn: asyncpg.Connection,
    *,
    serial_no: str,
    user_id: str,
    amount_cents: int,
    payment_method: str,
    payer_account: str,
    charge_id: str,
    verification_id: str,
    balance_before: int,
    balance_after: int,
    bonus_cents: int,
    agent: str,
    idempotency_key: str | None,
    at: datetime,
) -> Receipt:
    row = await conn.fetchrow(
        "INSERT INTO topups (serial_no, user_id, amount_cents, payment_method, payer_account,"
        " charge_id, verification_id, balance_before, balance_after, agent, idempotency_key, at,"
        " bonus_cents) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " RETURNING *",
        serial_no,
        user_id,
        amount_cents,
        payment_method,
        payer_account,
        charge_id,
        verification_id,
        balance_before,
        balance_after,
        agent,
        idempotency_key,
        at,
        bonus_cents,
    )
    assert row is not None
    return row_as(Receipt, row)


async def receipt(db: Db, serial_no: str) -> Receipt | None:
    row = await db.fetchrow("SELECT * FROM topups WHERE serial_no = $1", serial_no)
    return None if row is None else row_as(Receipt, row)


async def search_receipts(
    db: Db,
    *,
    user_id: str | None,
    day_from: date | None,
    day_to: date | None,
    tz: str,
    after: Position | None,
    limit: int,
) -> list[Receipt]:
    """Receipts newest first, by user and local dates, a keyset page beyond ``after``;
    ``limit + 1`` rows."""
    return rows_as(
        Receipt,
        await db.fetch(
            "SELECT * FROM topups WHERE ($1::text IS NULL OR user_id = $1)"
            " AND ($2::date IS NULL OR at >= ($2::date)::timestamp AT TIME ZONE $4)"
            " AND ($3::date IS NULL OR at < ($3::date + 1)::timestamp AT TIME ZONE $4)"
            " AND ($5::timestamptz IS NULL OR (at, serial_no) < ($5, $6))"
            " ORDER BY at DESC, serial_no DESC LIMIT $7",
            user_id,
            day_from,
            day_to,
            tz,
            after.at if after else None,
            after.id if after else None,
            limit + 1,
        ),
    )
