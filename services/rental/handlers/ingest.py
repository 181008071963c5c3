"""What the bike platform tells us: users, trips, lock states, feedback, insurance applications.

Each function takes a batch (one message is a batch of one) and applies it in the
caller's unit of work (the consumer runtime's transaction). Events may come twice (the
inbox drops a repeated id; a repeated fact with a new id changes nothing) or out of
order: an event about a user or trip not seen yet raises :class:`NotYetKnown`, so the
consumer runtime parks it and retries it later, never losing it. A user is checked before what needs
it (a committed row stays visible to later statements); a trip statement reports what
its own snapshot lacked (see :class:`~services.rental.store.ingest.Applied`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from services.rental.domain.errors import NotYetKnown
from services.rental.store import ingest as store
from shared.contracts import (
    FeedbackSubmitted,
    InsuranceApplied,
    LockStateReported,
    TripEnded,
    TripStarted,
    UserRegistered,
)
from shared.db import Db
from shared.unit_of_work import UnitOfWork

T = TypeVar("T")


def _first_of_each(items: Sequence[T], key: str) -> list[T]:
    """One per id, the first: the same fact twice in a batch is applied once."""
    seen: dict[str, T] = {}
    for item in items:
        seen.setdefault(getattr(item, key), item)
    return list(seen.values())


async def register_users(uow: UnitOfWork, events: Sequence[UserRegistered]) -> int:
    return await store.insert_users(uow.conn, _first_of_each(events, "user_id"))


async def start_trips(uow: UnitOfWork, events: Sequence[TripStarted]) -> int:
    applied = await store.insert_trips(uow.conn, _first_of_each(events, "trip_id"))
    if applied.unseen:
        raise NotYetKnown(f"trip started of a user not registered yet: {_few(applied.unseen)}")
    return len(applied.rows)


def _final_ends(events: Sequence[TripEnded]) -> list[TripEnded]:
    """One end per trip, as if applied one by one: the first end at a rental point (a
    temporary return before it is overtaken by it), else the first temporary return."""
    chosen: dict[str, TripEnded] = {}
    for e in events:
        seen = chosen.get(e.trip_id)
        if seen is None or (seen.end_point is None and e.end_point is not None):
            chosen[e.trip_id] = e
    return list(chosen.values())


async def end_trips(uow: UnitOfWork, events: Sequence[TripEnded]) -> int:
    applied = await store.end_trips(uow.conn, _final_ends(events))
    if applied.unseen:  # an end seen but not applied is a repeat or follows a fix
        raise NotYetKnown(f"trip ended before its start arrived: {_few(applied.unseen)}")
    return len(applied.rows)


async def record_lock_states(uow: UnitOfWork, events: Sequence[LockStateReported]) -> None:
    await store.record_lock_states(uow.conn, events)


async def receive_feedback(uow: UnitOfWork, events: Sequence[FeedbackSubmitted]) -> int:
    items = _first_of_each(events, "feedback_id")
    await _require_users(uow.conn, [f.user_id for f in items], "feedback")
    return await store.insert_feedback(uow.conn, items)


async def receive_applications(uow: UnitOfWork, events: Sequence[InsuranceApplied]) -> int:
    items = _first_of_each(events, "application_id")
    await _require_users(uow.conn, [a.user_id for a in items], "insurance application")
    return await store.insert_applications(uow.conn, items)


async def _require_users(conn: Db, user_ids: Sequence[str], what: str) -> None:
    missing = set(user_ids) - await store.known_users(conn, user_ids)
    if missing:
        raise NotYetKnown(f"{what} of a user not registered yet: {_few(missing)}")


def _few(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids)[:5])
