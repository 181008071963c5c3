"""The asyncpg queries of the points gateway's own records (``point_refunds``)."""

from __future__ import annotations

import asyncpg

from services.points.domain.refunds import PointRefund

_COLUMNS = (
    "refund_id, merchant_order_no, user_id, points, status, failure, provider_calls,"
    " last_attempt, reason, requested_by, requested_at, completed_at"
)


async def lock_refund(conn: asyncpg.Connection, refund_id: str) -> None:
    """Serialise work on one refund id until the transaction ends, whether or not it has a row."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", refund_id)


async def get_refund(conn: asyncpg.Connection, refund_id: str) -> PointRefund | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM point_refunds WHERE refund_id = $1", refund_id
    )
    return PointRefund(**dict(row)) if row is not None else None


async def save_refund(conn: asyncpg.Connection, refund: PointRefund) -> None:
    await conn.execute(
        f"INSERT INTO point_refunds ({_COLUMNS})"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        " ON CONFLICT (refund_id) DO UPDATE SET status = excluded.status,"
        " failure = excluded.failure, provider_calls = excluded.provider_calls,"
        " last_attempt = excluded.last_attempt, completed_at = excluded.completed_at",
        refund.refund_id,
        refund.merchant_order_no,
        refund.user_id,
        refund.points,
        refund.status,
        refund.failure,
        refund.provider_calls,
        refund.last_attempt,
        refund.reason,
        refund.requested_by,
        refund.requested_at,
        refund.completed_at,
    )
