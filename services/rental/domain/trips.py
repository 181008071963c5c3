"""Rental orders (trips) as the stores hand them out: the trip, the order as listed (with
its user's phone and name), a bike's lock report, and an exception fix's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Trip:
    trip_id: str
    user_id: str
    bike_id: str
    started_at: datetime
    start_point_id: str
    start_point_name: str
    start_latitude: Decimal
    start_longitude: Decimal
    status: str
    ended_at: datetime | None
    end_point_id: str | None
    end_point_name: str | None
    end_latitude: Decimal | None
    end_longitude: Decimal | None
    charge_cents: int | None
    fixed_at: datetime | None


@dataclass(frozen=True)
class Order(Trip):
    """A trip with its user's phone and name, as the order list and detail show it."""

    phone: str
    name: str


@dataclass(frozen=True)
class LockReport:
    """A bike lock's latest report."""

    bike_id: str
    state: str
    reported_at: datetime


@dataclass(frozen=True)
class ExceptionFix:
    """An exception fix as recorded (append-only): what was seen, what changed."""

    id: int
    trip_id: str
    user_id: str
    bike_id: str
    actor: str
    reason: str
    at: datetime
    reported_end: datetime
    lock_state: str | None
    bike_rented_by_other: bool
    old_status: str
    old_charge_cents: int | None
    new_charge_cents: int
    user_status_before: str
    user_status_after: str
