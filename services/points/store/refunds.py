"""The asyncpg queries of the points gateway's own records (``point_refunds``).

Each takes the refund ids of a batch of requests at once: one statement for a batch (the
write queues the batch's answers too).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import asyncpg

from services.points.domain.refunds import PointRefund
from shared.messaging import inbox, outbox

_COLUMNS = (
    "refund_id, merchant_order_no, user_id, points, status, failure, provider_calls,"
    " last_attempt, reason, requested_by, requested_at, completed_at"
)
_ROWS = (
    "unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],"
    " $7::integer[], $8::integer[], $9::text[], $10::text[], $11::timestamptz[],"
    " $12::timestamptz[])"
)
"""The rows to save, a column an array, in ``_COLUMNS``' order."""


async def lock_refunds(conn: asyncpg.Connection, refund_ids: Collection[str]) -> None:
    """Serialise work on these refund ids until the transaction ends, whether or not they
    have a row. Taken in the order of their keys, so two batches never wait on each other
    in a circle."""
    await conn.execute(_LOCK, list(refund_ids))


_LOCK = (
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT "
    + inbox.KEY_LOCK.format("id")
    + " AS k FROM unnest($1::text[]) AS id ORDER BY k) AS keys"
)
"""The locks the consumer runtime takes with a batch's inbox claim (the subscription's
``lock_key``), taken alone."""


async def get_refunds(
    conn: asyncpg.Connection, refund_ids: Collection[str]
) -> dict[str, PointRefund]:
    """The refunds of these ids that have a row (read after :func:`lock_refunds`, in a
    statement of its own: its snapshot then sees what the lock's last holder committed)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM point_refunds WHERE refund_id = ANY($1::text[])",
        list(refund_ids),
    )
    return {r["refund_id"]: PointRefund(**dict(r)) for r in rows}


async def save_refunds(
    conn: asyncpg.Connection,
    refunds: Sequence[PointRefund],
    answers: Sequence[tuple[object, ...]] = (),
) -> None:
    """Write these refunds (one per refund id), new or updated, and queue the answers
    (``outbox.outgoing`` rows, in the order they are to go out) in the same statement: an
    answer is sent only if the refund state it tells of committed, in one round trip for
    the whole batch."""
    if not refunds and not answers:
        return
    columns = zip(*(_values(r) for r in refunds), strict=True) if refunds else _NO_ROWS
    await conn.execute(_SAVE, *(list(column) for column in columns), *outbox.outgoing_all(answers))


_NO_ROWS = ((),) * 12
"""The refunds' columns when only answers go out (a duplicate request answered again)."""

_WRITE = (
    f"INSERT INTO point_refunds ({_COLUMNS}) SELECT * FROM {_ROWS}"
    " ON CONFLICT (refund_id) DO UPDATE SET status = excluded.status,"
    " failure = excluded.failure, provider_calls = excluded.provider_calls,"
    " last_attempt = excluded.last_attempt, completed_at = excluded.completed_at"
)
_SAVE = f"WITH {outbox.queueing_all(13)} {_WRITE}"
"""The refunds written (``_WRITE``, parameters $1-$12) and the answers queued (from $13)."""


def _values(refund: PointRefund) -> tuple[object, ...]:
    return (
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
