"""Contracts of the bike-rental platform, which other teams publish, and of the rental service.

The bike platform publishes what happens to users, trips, locks and payments; the
rental service keeps its customer-service read model and accounts from them. Each
event has a stable ``event_id`` (also its CloudEvents id), and events of one user
(or one bike, for lock states) share a key so they stay in order on a partition.
They may still arrive twice or, across keys, out of order: a trip's end before its
start is retried, never lost. Money is integer cents (fen); coordinates are Decimal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from shared.contracts.base import Contract, Topic
from shared.timestamps import UtcTimestamp

Cents = Annotated[int, Field(ge=0, le=100_000_000)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=10, decimal_places=6)]
LockState = Literal["locked", "unlocked", "fault"]
PaymentKind = Literal["top_up", "rental_charge", "insurance_fee", "deposit"]
CardType = Literal["standard", "student", "senior"]


class RentalPoint(Contract):
    point_id: Id
    name: str = Field(min_length=1, max_length=100)
    latitude: Latitude
    longitude: Longitude


class UserRegistered(Contract):
    event_id: Id
    user_id: Id
    phone: str = Field(pattern=r"^\+?[0-9]{6,20}$")
    name: str = Field(min_length=1, max_length=64)
    card_type: CardType = "standard"
    registered_at: UtcTimestamp


class TripStarted(Contract):
    event_id: Id
    trip_id: Id
    user_id: Id
    bike_id: Id
    started_at: UtcTimestamp
    start_point: RentalPoint


class TripEnded(Contract):
    event_id: Id
    trip_id: Id
    user_id: Id
    bike_id: Id
    ended_at: UtcTimestamp
    end_point: RentalPoint | None = None
    """None when the bike was left outside a rental point (a temporary return)."""
    charge_cents: Cents
    """What the platform charged for the trip."""


class LockStateReported(Contract):
    event_id: Id
    bike_id: Id
    state: LockState
    reported_at: UtcTimestamp


class PaymentReceived(Contract):
    """Money the platform took from a user: a top-up, a trip's charge, an insurance fee,
    a deposit. ``payment_id`` is the payment provider's serial number."""

    event_id: Id
    payment_id: Id
    user_id: Id
    kind: PaymentKind
    amount_cents: Annotated[int, Field(gt=0, le=100_000_000)]
    trip_id: str | None = None
    """The trip a rental charge pays for."""
    paid_at: UtcTimestamp
    from_balance: bool = False
    """A rental charge or insurance fee taken from the user's stored value (not through the
    payment provider): the rental service debits the balance."""


class FeedbackSubmitted(Contract):
    """A user sent feedback from the app (反馈): customer service accepts or rejects it."""

    event_id: Id
    feedback_id: Id
    user_id: Id
    content: str = Field(min_length=1, max_length=2000)
    trip_id: str | None = Field(default=None, max_length=64)
    """The trip it is about, if the user picked one."""
    submitted_at: UtcTimestamp


class InsuranceApplied(Contract):
    """A user applied for the trip insurance to pay out (保险申请): accepted or rejected."""

    event_id: Id
    application_id: Id
    user_id: Id
    trip_id: Id
    description: str = Field(min_length=1, max_length=2000)
    claimed_cents: Cents | None = None
    """What the user asks for, if they said."""
    applied_at: UtcTimestamp


class RentalUserBlacklisted(Contract):
    """The rental service put a user on the blacklist: the platform refuses their new
    trips until ``rental.user.restored.v1``."""

    user_id: Id
    reason: str = Field(min_length=1, max_length=500)
    by: str
    at: UtcTimestamp


class RentalUserRestored(Contract):
    """A user came off the blacklist: the platform lets them ride again."""

    user_id: Id
    reason: str = Field(min_length=1, max_length=500)
    by: str
    at: UtcTimestamp


RENTAL_USER_REGISTERED = Topic(
    "rental.user.registered.v1",
    UserRegistered,
    key="user_id",
    summary="The bike platform registered a user.",
    producer="platform",
)
RENTAL_TRIP_STARTED = Topic(
    "rental.trip.started.v1",
    TripStarted,
    key="user_id",
    summary="A user unlocked a bike at a rental point.",
    producer="platform",
)
RENTAL_TRIP_ENDED = Topic(
    "rental.trip.ended.v1",
    TripEnded,
    key="user_id",
    summary="A trip ended and was charged.",
    producer="platform",
)
RENTAL_LOCK_STATE_REPORTED = Topic(
    "rental.lock.state.reported.v1",
    LockStateReported,
    key="bike_id",
    summary="A bike's lock reported its state.",
    producer="platform",
)
RENTAL_PAYMENT_RECEIVED = Topic(
    "rental.payment.received.v1",
    PaymentReceived,
    key="user_id",
    summary="The platform took a payment: top-up, trip charge, insurance fee or deposit.",
    producer="platform",
)
RENTAL_FEEDBACK_SUBMITTED = Topic(
    "rental.feedback.submitted.v1",
    FeedbackSubmitted,
    key="user_id",
    summary="A user sent feedback from the app.",
    producer="platform",
)
RENTAL_INSURANCE_APPLIED = Topic(
    "rental.insurance.applied.v1",
    InsuranceApplied,
    key="user_id",
    summary="A user applied for a trip's insurance to pay out.",
    producer="platform",
)
RENTAL_USER_BLACKLISTED = Topic(
    "rental.user.blacklisted.v1",
    RentalUserBlacklisted,
    key="user_id",
    summary="The rental service blacklisted a user; the platform refuses their new trips.",
    producer="rental",
)
RENTAL_USER_RESTORED = Topic(
    "rental.user.restored.v1",
    RentalUserRestored,
    key="user_id",
    summary="The rental service restored a user from the blacklist.",
    producer="rental",
)
