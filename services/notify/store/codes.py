"""Verification codes (``verification_codes``): hashes only."""

from __future__ import annotations

import asyncpg

from services.notify.domain.codes import IssuedCode
from shared.db import Db
from shared.verification import CODE_COLUMNS, VerificationCode, code_from_row


def _issued(row: asyncpg.Record) -> IssuedCode:
    return IssuedCode(
        id=str(row["id"]),
        phone=row["phone"],
        purpose=row["purpose"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        attempts_allowed=row["attempts_left"],
        sms_dedupe_key=row["sms_dedupe_key"],
    )


async def lock_phone(conn: asyncpg.Connection, phone: str, purpose: str) -> None:
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"code:{phone}:{purpose}"
    )


async def latest(db: Db, phone: str, purpose: str) -> VerificationCode | None:
    row = await db.fetchrow(
        f"SELECT {CODE_COLUMNS} FROM verification_codes WHERE phone = $1 AND purpose = $2"
        " ORDER BY issued_at DESC LIMIT 1",
        phone,
        purpose,
    )
    return code_from_row(row) if row is not None else None


async def get(db: Db, code_id: str) -> IssuedCode | None:
    row = await db.fetchrow("SELECT * FROM verification_codes WHERE id = $1", code_id)
    return None if row is None else _issued(row)


async def by_sms_dedupe_key(db: Db, key: str) -> VerificationCode | None:
    row = await db.fetchrow(
        f"SELECT {CODE_COLUMNS} FROM verification_codes WHERE sms_dedupe_key = $1", key
    )
    return code_from_row(row) if row is not None else None


async def supersede_older(conn: asyncpg.Connection, phone: str, purpose: str) -> None:
    await conn.execute(
        "UPDATE verification_codes SET superseded = true WHERE phone = $1 AND purpose = $2"
        " AND used_at IS NULL AND NOT superseded",
        phone,
        purpose,
    )


async def insert(
    conn: asyncpg.Connection,
    code: VerificationCode,
    *,
    requested_by: str,
    sms_dedupe_key: str,
) -> IssuedCode:
    row = await conn.fetchrow(
        "INSERT INTO verification_codes (id, phone, purpose, salt, code_hash, issued_at,"
        " expires_at, attempts_left, requested_by, sms_dedupe_key)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
        code.id,
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
    assert row is not None
    return _issued(row)


async def save_check(conn: asyncpg.Connection, code: VerificationCode) -> None:
    await conn.execute(
        "UPDATE verification_codes SET attempts_left = $2, used_at = $3 WHERE id = $1",
        code.id,
        code.attempts_left,
        code.used_at,
    )
