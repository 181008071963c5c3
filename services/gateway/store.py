"""The asyncpg queries of the gateway's own tables: users and idempotency keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.gateway.domain.idempotency import RETENTION, KeyRecord


@dataclass(frozen=True)
class User:
    username: str
    password_hash: str
    roles: frozenset[str]
    active: bool
    created_by: str
    created_at: datetime
    sessions_valid_after: datetime | None = None
    """Tokens issued before this no longer sign in (a sign-out, a reset, a disable)."""
    must_change_password: bool = False


def _user(row: asyncpg.Record) -> User:
    return User(
        row["username"],
        row["password_hash"],
        frozenset(row["roles"]),
        row["active"],
        row["created_by"],
        row["created_at"],
        row["sessions_valid_after"],
        row["must_change_password"],
    )


async def get_user(conn: asyncpg.Connection | asyncpg.Pool, username: str) -> User | None:
    row = await conn.fetchrow("SELECT * FROM users WHERE username = $1", username)
    return _user(row) if row is not None else None


async def list_users(conn: asyncpg.Connection | asyncpg.Pool) -> list[User]:
    return [_user(r) for r in await conn.fetch("SELECT * FROM users ORDER BY username")]


async def insert_user(
    conn: asyncpg.Connection | asyncpg.Pool,
    username: str,
    password_hash: str,
    roles: frozenset[str],
    created_by: str,
) -> User | None:
    """The new user, or None if the username is taken."""
    row = await conn.fetchrow(
        "INSERT INTO users (username, password_hash, roles, created_by) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (username) DO NOTHING RETURNING *",
        username,
        password_hash,
        sorted(roles),
        created_by,
    )
    return _user(row) if row is not None else None


async def upsert_user(
    conn: asyncpg.Connection | asyncpg.Pool,
    username: str,
    password_hash: str,
    roles: frozenset[str],
    created_by: str,
) -> None:
    await conn.execute(
        "INSERT INTO users (username, password_hash, roles, created_by) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,"
        " roles = excluded.roles, active = true, updated_at = now()",
        username,
        password_hash,
        sorted(roles),
        created_by,
    )


async def set_password_hash(
    conn: asyncpg.Connection | asyncpg.Pool, username: str, password_hash: str
) -> None:
    await conn.execute(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE username = $1",
        username,
        password_hash,
    )


async def end_sessions(conn: asyncpg.Connection | asyncpg.Pool, username: str) -> None:
    await conn.execute(
        "UPDATE users SET sessions_valid_after = clock_timestamp(), updated_at = now()"
        " WHERE username = $1",
        username,
    )


async def set_active(conn: asyncpg.Connection | asyncpg.Pool, username: str, active: bool) -> bool:
    """False if there is no such user. Disabling also ends the account's sessions."""
    result: str = await conn.execute(
        "UPDATE users SET active = $2, updated_at = now(),"
        " sessions_valid_after = CASE WHEN $2 THEN sessions_valid_after"
        " ELSE clock_timestamp() END WHERE username = $1",
        username,
        active,
    )
    return result.endswith(" 1")


async def replace_password(
    conn: asyncpg.Connection | asyncpg.Pool, username: str, password_hash: str, must_change: bool
) -> bool:
    """A new password ends every session; False if there is no such user."""
    result: str = await conn.execute(
        "UPDATE users SET password_hash = $2, must_change_password = $3,"
        " sessions_valid_after = clock_timestamp(), updated_at = now() WHERE username = $1",
        username,
        password_hash,
        must_change,
    )
    return result.endswith(" 1")


async def set_roles(
    conn: asyncpg.Connection | asyncpg.Pool, username: str, roles: frozenset[str]
) -> bool:
    result: str = await conn.execute(
        "UPDATE users SET roles = $2, updated_at = now() WHERE username = $1",
        username,
        sorted(roles),
    )
    return result.endswith(" 1")


# --- idempotency keys --------------------------------------------------------


@dataclass(frozen=True)
class KeyRef:
    """One client key: a user's, on one route (the route table's method and template)."""

    username: str
    route: str
    key: str


_KEY = "username = $1 AND route = $2 AND key = $3"


async def lock_key(conn: asyncpg.Connection, ref: KeyRef) -> KeyRecord | None:
    """The key's record, locked until the transaction ends (None if the key is new)."""
    row = await conn.fetchrow(
        "SELECT fingerprint, status, body, lease_until, created_at FROM idempotency_keys"
        f" WHERE {_KEY} FOR UPDATE",
        ref.username,
        ref.route,
        ref.key,
    )
    if row is None:
        return None
    return KeyRecord(
        row["fingerprint"], row["status"], row["body"], row["lease_until"], row["created_at"]
    )


async def claim_new_key(
    conn: asyncpg.Connection,
    ref: KeyRef,
    method: str,
    path: str,
    fingerprint: str,
    lease_until: datetime,
) -> uuid.UUID | None:
    """Hold a key nobody holds yet; None if a concurrent request took it first."""
    claim = uuid.uuid4()
    row = await conn.fetchval(
        "INSERT INTO idempotency_keys (username, route, key, method, path, fingerprint, claim,"
        " lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (username, route, key) DO NOTHING RETURNING 1",
        ref.username,
        ref.route,
        ref.key,
        method,
        path,
        fingerprint,
        claim,
        lease_until,
    )
    return claim if row is not None else None


async def reclaim_key(
    conn: asyncpg.Connection,
    ref: KeyRef,
    method: str,
    path: str,
    fingerprint: str,
    lease_until: datetime,
) -> uuid.UUID:
    """Take over a key whose record expired or whose holder gave up (locked by the caller)."""
    claim = uuid.uuid4()
    await conn.execute(
        "UPDATE idempotency_keys SET method = $4, path = $5, fingerprint = $6, claim = $7,"
        " lease_until = $8, status = NULL, body = NULL, created_at = now(), completed_at = NULL"
        f" WHERE {_KEY}",
        ref.username,
        ref.route,
        ref.key,
        method,
        path,
        fingerprint,
        claim,
        lease_until,
    )
    return claim


async def complete_key(
    conn: asyncpg.Connection | asyncpg.Pool,
    ref: KeyRef,
    claim: uuid.UUID,
    status: int,
    body: Any,
) -> None:
    await conn.execute(
        "UPDATE idempotency_keys SET status = $5, body = $6, claim = NULL, lease_until = NULL,"
        f" completed_at = now() WHERE {_KEY} AND claim = $4",
        ref.username,
        ref.route,
        ref.key,
        claim,
        status,
        body,
    )


async def renew_key(
    conn: asyncpg.Connection | asyncpg.Pool, ref: KeyRef, claim: uuid.UUID, lease_until: datetime
) -> None:
    await conn.execute(
        f"UPDATE idempotency_keys SET lease_until = $5 WHERE {_KEY} AND claim = $4"
        " AND status IS NULL",
        ref.username,
        ref.route,
        ref.key,
        claim,
        lease_until,
    )


async def release_key(
    conn: asyncpg.Connection | asyncpg.Pool, ref: KeyRef, claim: uuid.UUID
) -> None:
    await conn.execute(
        f"DELETE FROM idempotency_keys WHERE {_KEY} AND claim = $4",
        ref.username,
        ref.route,
        ref.key,
        claim,
    )


async def purge_expired_keys(conn: asyncpg.Connection | asyncpg.Pool, now: datetime) -> int:
    result: str = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < $1"
        " AND (status IS NOT NULL OR lease_until < now())",
        now - RETENTION,
    )
    return int(result.split()[-1])
