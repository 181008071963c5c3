"""The SMS log (``sms_messages``) and its provider calls.

Writes that must outlive the subscriber's transaction (the admission that the rate
limit counts, the provider about to be called, each provider's answer) take a
pool connection of their own and commit at once; the final status goes in the
subscriber's transaction with its outgoing event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.notify.domain.sms import CodeLookup, ProviderCall, RecordedCall, SmsMessage, SmsStatus
from services.notify.domain.templates import Rendered
from shared.db import Db
from shared.db.rows import row_as, rows_as


def _sms(row: asyncpg.Record) -> SmsMessage:
    return SmsMessage(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        phone=row["phone"],
        template_id=row["template_id"],
        text=row["display_text"],
        status=SmsStatus(row["status"]),
        failure=row["failure"],
        failure_detail=row["failure_detail"],
        provider=row["provider"],
        provider_message_id=row["provider_message_id"],
        provider_answer=row["provider_answer"],
        provider_in_flight=row["provider_in_flight"],
        attempts=row["attempts"],
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        sent_at=row["sent_at"],
        updated_at=row["updated_at"],
        params=row["params"],
        sealed_params=row["sealed_params"],
    )


def _sms_or_none(row: asyncpg.Record | None) -> SmsMessage | None:
    return None if row is None else _sms(row)


async def lock_keys(conn: asyncpg.Connection, dedupe_keys: Sequence[str]) -> None:
    """Serialise work on these dedupe keys until the transaction ends (a parked retry and a
    redelivered copy may meet). Sorted, so two batches never wait on each other in a ring."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('sms:' || k, 0))"
        " FROM unnest($1::text[]) AS k",
        sorted(set(dedupe_keys)),
    )


async def by_dedupe_key(db: Db, dedupe_key: str) -> SmsMessage | None:
    row = await db.fetchrow("SELECT * FROM sms_messages WHERE dedupe_key = $1", dedupe_key)
    return _sms_or_none(row)


async def admitted_since(db: Db, phone: str, since: datetime) -> list[datetime]:
    rows = await db.fetch(
        "SELECT admitted_at FROM sms_messages WHERE phone = $1 AND admitted_at > $2",
        phone,
        since,
    )
    return [r["admitted_at"] for r in rows]


async def admit(
    pool: asyncpg.Pool,
    *,
    dedupe_key: str,
    phone: str,
    params: Mapping[str, Any],
    sealed_params: str | None,
    rendered: Rendered,
    requested_by: str,
    first_provider: str,
    now: datetime,
) -> SmsMessage | None:
    """Record the SMS as counted by the rate limit and about to be sent by ``first_provider``
    (round 1), in one commit; a rejected one is re-admitted. None if it was admitted already.

    Kept: the parameters in clear, the secret ones still sealed to notify's key, and the
    text with them masked; never the text as the phone receives it (a code in clear)."""
    row = await pool.fetchrow(
        "INSERT INTO sms_messages (dedupe_key, phone, template_id, params, sealed_params, text,"
        " display_text, status, provider_in_flight, attempts, requested_by, requested_at,"
        " admitted_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $6, 'sending', $7, 1, $8, $9, $9, $9)"
        " ON CONFLICT (dedupe_key) DO UPDATE SET template_id = excluded.template_id,"
        " params = excluded.params, sealed_params = excluded.sealed_params,"
        " text = excluded.text, display_text = excluded.display_text,"
        " status = 'sending', failure = NULL,"
        " failure_detail = NULL, provider_in_flight = excluded.provider_in_flight,"
        " attempts = 1, admitted_at = excluded.admitted_at, updated_at = excluded.updated_at"
        " WHERE sms_messages.status = 'rejected'"
        " RETURNING *",
        dedupe_key,
        phone,
        rendered.template_id,
        dict(params),
        sealed_params,
        rendered.display_text,
        first_provider,
        requested_by,
        now,
    )
    return _sms_or_none(row)


async def reject(
    conn: asyncpg.Connection,
    *,
    dedupe_key: str,
    phone: str,
    template_id: str | None,
    params: Mapping[str, Any],
    failure: str,
    detail: str,
    requested_by: str,
    now: datetime,
) -> SmsMessage | None:
    """Record a request that will not be sent; the entry if it is new, else None (it was
    rejected before: already answered)."""
    row = await conn.fetchrow(
        "INSERT INTO sms_messages (dedupe_key, phone, template_id, params, status, failure,"
        " failure_detail, requested_by, requested_at, updated_at)"
        " VALUES ($1, $2, $3, $4, 'rejected', $5, $6, $7, $8, $8)"
        " ON CONFLICT (dedupe_key) DO UPDATE SET failure = excluded.failure,"
        " failure_detail = excluded.failure_detail, updated_at = excluded.updated_at"
        " WHERE sms_messages.status = 'rejected'"
        " RETURNING *, (xmax = 0) AS inserted",
        dedupe_key,
        phone,
        template_id,
        dict(params),
        failure,
        detail,
        requested_by,
        now,
    )
    return _sms(row) if row is not None and row["inserted"] else None


async def start_round(pool: asyncpg.Pool, sms_id: int, first_provider: str) -> int | None:
    """Count another round, about to ask ``first_provider``; None if the SMS is final now."""
    attempts: int | None = await pool.fetchval(
        "UPDATE sms_messages SET attempts = attempts + 1, status = 'sending',"
        " provider_in_flight = $2, updated_at = now()"
        " WHERE id = $1 AND status IN ('queued', 'sending') RETURNING attempts",
        sms_id,
        first_provider,
    )
    return attempts


async def begin_call(pool: asyncpg.Pool, sms_id: int, provider: str) -> None:
    await pool.execute(
        "UPDATE sms_messages SET status = 'sending', provider_in_flight = $2, updated_at = now()"
        " WHERE id = $1 AND status IN ('queued', 'sending')",
        sms_id,
        provider,
    )


async def record_calls(db: Db, sms_id: int, attempt: int, calls: Sequence[ProviderCall]) -> None:
    await db.executemany(
        "INSERT INTO sms_provider_calls (sms_id, attempt, provider, accepted, permanent, answer)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        [(sms_id, attempt, c.provider, c.accepted, c.permanent, c.answer) for c in calls],
    )


async def requeue(pool: asyncpg.Pool, sms_id: int, answer: str) -> None:
    await pool.execute(
        "UPDATE sms_messages SET status = 'queued', provider_in_flight = NULL,"
        " provider_answer = $2, updated_at = now() WHERE id = $1 AND status = 'sending'",
        sms_id,
        answer,
    )


async def mark_sent(
    conn: asyncpg.Connection,
    sms_id: int,
    *,
    provider: str,
    provider_message_id: str,
    answer: str,
    now: datetime,
) -> SmsMessage | None:
    """The SMS as sent; None if another copy of the request finished it first."""
    row = await conn.fetchrow(
        "UPDATE sms_messages SET status = 'sent', provider = $2, provider_message_id = $3,"
        " provider_answer = $4, provider_in_flight = NULL, sent_at = $5, updated_at = $5"
        " WHERE id = $1 AND status IN ('queued', 'sending') RETURNING *",
        sms_id,
        provider,
        provider_message_id,
        answer,
        now,
    )
    return _sms_or_none(row)


async def mark_failed(
    conn: asyncpg.Connection, sms_id: int, *, failure: str, answer: str, now: datetime
) -> SmsMessage | None:
    """The SMS as given up; None if another copy of the request finished it first."""
    row = await conn.fetchrow(
        "UPDATE sms_messages SET status = 'failed', failure = $2, failure_detail = $3,"
        " provider_answer = $3, provider_in_flight = NULL, updated_at = $4"
        " WHERE id = $1 AND status IN ('queued', 'sending') RETURNING *",
        sms_id,
        failure,
        answer,
        now,
    )
    return _sms_or_none(row)


# --- the log, for staff -----------------------------------------------------


async def page(
    db: Db, *, phone: str | None, status: str | None, before_id: int | None, limit: int
) -> list[SmsMessage]:
    rows = await db.fetch(
        "SELECT * FROM sms_messages WHERE ($1::text IS NULL OR phone = $1)"
        " AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)"
        " ORDER BY id DESC LIMIT $4",
        phone,
        status,
        before_id,
        limit,
    )
    return [_sms(r) for r in rows]


async def get(db: Db, sms_id: int) -> SmsMessage | None:
    return _sms_or_none(await db.fetchrow("SELECT * FROM sms_messages WHERE id = $1", sms_id))


async def calls_of(db: Db, sms_id: int) -> list[RecordedCall]:
    rows = await db.fetch("SELECT * FROM sms_provider_calls WHERE sms_id = $1 ORDER BY id", sms_id)
    return rows_as(RecordedCall, rows)


async def latest_code_sms(db: Db, phone: str) -> SmsMessage | None:
    row = await db.fetchrow(
        "SELECT * FROM sms_messages WHERE phone = $1 AND template_id = 'verification_code'"
        " AND status <> 'rejected' ORDER BY id DESC LIMIT 1",
        phone,
    )
    return _sms_or_none(row)


async def record_lookup(
    conn: asyncpg.Connection,
    *,
    actor: str,
    phone: str,
    sms_id: int | None,
    trace_id: str | None,
) -> CodeLookup:
    row = await conn.fetchrow(
        "INSERT INTO code_lookups (actor, phone, sms_id, found, trace_id)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING *",
        actor,
        phone,
        sms_id,
        sms_id is not None,
        trace_id,
    )
    assert row is not None
    return row_as(CodeLookup, row)


async def lookups(
    db: Db, *, phone: str | None, before_id: int | None, limit: int
) -> list[CodeLookup]:
    rows = await db.fetch(
        "SELECT * FROM code_lookups WHERE ($1::text IS NULL OR phone = $1)"
        " AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        phone,
        before_id,
        limit,
    )
    return rows_as(CodeLookup, rows)
