"""Counts per local day: rentals started, final returns, users registered."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from services.rental.domain.query import RETURN_WINDOW_DAYS

_QUERIES = {
    "rentals": "SELECT (started_at AT TIME ZONE $3)::date AS day, count(*) AS n FROM trips"
    " WHERE started_at >= $1 AND started_at < $2 GROUP BY 1",
    # ended_at has no index (a trip's end stays a HOT update): the start bounds the scan,
    # and a rental lasts far less than RETURN_WINDOW
    # only final returns (status ended; ended_at is then the final return's time): a
    # temporary return keeps the bike out, and its day must not change when the final
    # return comes on another day
    "returns": "SELECT (ended_at AT TIME ZONE $3)::date AS day, count(*) AS n FROM trips"
    f" WHERE started_at >= $1::timestamptz - interval '{RETURN_WINDOW_DAYS} days'"
    " AND started_at < $2 AND status = 'ended' AND ended_at >= $1 AND ended_at < $2"
    " GROUP BY 1",
    "new_users": "SELECT (registered_at AT TIME ZONE $3)::date AS day, count(*) AS n FROM users"
    " WHERE registered_at >= $1 AND registered_at < $2 GROUP BY 1",
}


async def per_day(
    conn: asyncpg.Connection | asyncpg.Pool, what: str, start: datetime, end: datetime, tz: str
) -> dict[date, int]:
    rows = await conn.fetch(_QUERIES[what], start, end, tz)
    return {r["day"]: int(r["n"]) for r in rows}
