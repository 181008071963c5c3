"""Bulk statements of the bike platform's events: a whole batch in a few statements each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from shared.contracts import (
    FeedbackSubmitted,
    InsuranceApplied,
    LockStateReported,
    TripEnded,
    TripStarted,
    UserRegistered,
)
from shared.db.json_rows import json_rows


async def insert_users(conn: asyncpg.Connection, users: Sequence[UserRegistered]) -> int:
    """Users not seen before; a registration reported again changes nothing."""
    rows = await conn.fetch(
        "INSERT INTO users (user_id, phone, name, card_type, registered_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
        " $5::timestamptz[]) ON CONFLICT (user_id) DO NOTHING RETURNING 1",
        [u.user_id for u in users],
        [u.phone for u in users],
        [u.name for u in users],
        [u.card_type for u in users],
        [u.registered_at for u in users],
    )
    return len(rows)


async def known_users(conn: asyncpg.Connection, user_ids: Sequence[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT user_id FROM users WHERE user_id = ANY($1::text[])", list(set(user_ids))
    )
    return {r["user_id"] for r in rows}


# Appended to a statement whose CTE ``changed`` holds the trips it inserted or updated
# (trip_id, user_id, started_at, status): each user whose latest order is one of them
# takes that order's state, in the same statement. The snapshot does not hold the
# statement's own inserts, so two new trips of one user both pass NOT EXISTS; both say
# renting. The state is written only when it differs (and status has no index: a HOT
# update). An agent's status fix stands until the user's latest order moves on.
# The statement then answers the changed trips and, after the UNION ALL the caller
# completes, what its snapshot lacked (see :class:`Applied`).
_FOLLOW_LATEST_ORDER = (
    ", follow AS (UPDATE users u"
    " SET status = CASE c.status WHEN 'ended' THEN 'idle' ELSE c.status END,"
    " updated_at = now() FROM changed c"
    " WHERE u.user_id = c.user_id"
    " AND u.status <> CASE c.status WHEN 'ended' THEN 'idle' ELSE c.status END"
    " AND NOT EXISTS (SELECT 1 FROM trips n WHERE n.user_id = c.user_id"
    "  AND (n.started_at, n.trip_id) > (c.started_at, c.trip_id))"
    " RETURNING 1)"
    " SELECT trip_id, user_id, NULL AS unseen FROM changed UNION ALL"
)


@dataclass(frozen=True)
class Applied:
    """What a trip statement changed, and what it could not see: the users (of starts) or
    trips (of ends) missing from the statement's own snapshot.

    The check must be the statement's: a check by a later statement could see a user or
    trip that committed in between, one the statement itself missed, and an event would
    be taken as applied while it changed nothing (under load, a trip's start and end are
    consumed at the same moment by two consumers)."""

    rows: list[asyncpg.Record]
    unseen: list[str]


async def insert_trips(conn: asyncpg.Connection, trips: Sequence[TripStarted]) -> Applied:
    """The new trips of known users, each user's status following their latest order;
    ``unseen``: the users not registered yet, whose trips are left out."""
    rows = await conn.fetch(
        "WITH e AS (SELECT e.trip_id, e.user_id, e.bike_id, e.started_at,"
        " p.point_id, p.name AS point_name, p.latitude AS lat, p.longitude AS lng"
        " FROM json_to_recordset($1::json) AS e(trip_id text, user_id text, bike_id text,"
        " started_at timestamptz, start_point json)"
        " CROSS JOIN LATERAL json_to_record(e.start_point)"
        " AS p(point_id text, name text, latitude numeric, longitude numeric)),"
        " changed AS (INSERT INTO trips (trip_id, user_id, bike_id, started_at,"
        " start_point_id, start_point_name, start_latitude, start_longitude)"
        " SELECT e.* FROM e WHERE EXISTS (SELECT 1 FROM users u WHERE u.user_id = e.user_id)"
        " ON CONFLICT (trip_id) DO NOTHING"
        " RETURNING trip_id, user_id, started_at, status)"
        + _FOLLOW_LATEST_ORDER
        + " SELECT DISTINCT NULL, NULL, e.user_id FROM e"
        " WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = e.user_id)",
        json_rows(trips),
    )
    return _applied(rows)


def _applied(rows: list[asyncpg.Record]) -> Applied:
    return Applied(
        [r for r in rows if r["unseen"] is None], [r["unseen"] for r in rows if r["unseen"]]
    )


async def end_trips(conn: asyncpg.Connection, ends: Sequence[TripEnded]) -> Applied:
    """Record each end on a trip not ended yet, each user's status following their latest
    order. An end outside a rental point leaves the trip temporarily returned; a later end
    at a point ends it. An ended trip (by the platform or by an agent's exception fix)
    stays as it is. ``unseen``: the trips not started yet, whose ends are left out."""
    rows = await conn.fetch(
        "WITH e AS (SELECT e.trip_id, e.ended_at, e.charge_cents, p.point_id,"
        " p.name AS point_name, p.latitude, p.longitude"
        " FROM json_to_recordset($1::json) AS e(trip_id text, ended_at timestamptz,"
        " charge_cents bigint, end_point json)"
        " LEFT JOIN LATERAL json_to_record(e.end_point)"
        " AS p(point_id text, name text, latitude numeric, longitude numeric) ON true),"
        " changed AS (UPDATE trips t SET ended_at = e.ended_at,"
        " charge_cents = e.charge_cents,"
        " end_point_id = e.point_id, end_point_name = e.point_name,"
        " end_latitude = e.latitude, end_longitude = e.longitude,"
        " status = CASE WHEN e.point_id IS NULL THEN 'temporarily_returned' ELSE 'ended' END"
        " FROM e WHERE t.trip_id = e.trip_id AND t.status <> 'ended'"
        " AND NOT (t.status = 'temporarily_returned' AND e.point_id IS NULL)"
        " RETURNING t.trip_id, t.user_id, t.started_at, t.status)"
        + _FOLLOW_LATEST_ORDER
        + " SELECT NULL, NULL, e.trip_id FROM e"
        " WHERE NOT EXISTS (SELECT 1 FROM trips t WHERE t.trip_id = e.trip_id)",
        json_rows(ends),
    )
    return _applied(rows)


async def record_lock_states(
    conn: asyncpg.Connection, reports: Sequence[LockStateReported]
) -> None:
    """Keep each bike's newest report; one arriving late never overwrites a newer one."""
    newest: dict[str, LockStateReported] = {}
    for r in reports:
        seen = newest.get(r.bike_id)
        if seen is None or r.reported_at > seen.reported_at:
            newest[r.bike_id] = r
    latest = list(newest.values())
    await conn.execute(
        "INSERT INTO bike_locks (bike_id, state, reported_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])"
        " ON CONFLICT (bike_id) DO UPDATE SET state = excluded.state,"
        " reported_at = excluded.reported_at"
        " WHERE bike_locks.reported_at < excluded.reported_at",
        [r.bike_id for r in latest],
        [r.state for r in latest],
        [r.reported_at for r in latest],
    )


async def insert_feedback(conn: asyncpg.Connection, items: Sequence[FeedbackSubmitted]) -> int:
    rows = await conn.fetch(
        "INSERT INTO feedback (feedback_id, user_id, content, trip_id, submitted_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
        " $5::timestamptz[]) ON CONFLICT (feedback_id) DO NOTHING RETURNING 1",
        [f.feedback_id for f in items],
        [f.user_id for f in items],
        [f.content for f in items],
        [f.trip_id for f in items],
        [f.submitted_at for f in items],
    )
    return len(rows)


async def insert_applications(conn: asyncpg.Connection, items: Sequence[InsuranceApplied]) -> int:
    rows = await conn.fetch(
        "INSERT INTO insurance_applications (application_id, user_id, trip_id, description,"
        " claimed_cents, applied_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],"
        " $6::timestamptz[]) ON CONFLICT (application_id) DO NOTHING RETURNING 1",
        [a.application_id for a in items],
        [a.user_id for a in items],
        [a.trip_id for a in items],
        [a.description for a in items],
        [a.claimed_cents for a in items],
        [a.applied_at for a in items],
    )
    return len(rows)
