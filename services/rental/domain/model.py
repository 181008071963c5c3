"""States of users and rental orders, and how one follows from the other."""

from __future__ import annotations

from enum import StrEnum

from shared.errors import ReasonRequired


class UserStatus(StrEnum):
    """The user's rental state (seed 001: 租赁中 / 临时还车 / 空闲)."""

    RENTING = "renting"
    TEMPORARILY_RETURNED = "temporarily_returned"
    IDLE = "idle"


class OrderStatus(StrEnum):
    RENTING = "renting"
    TEMPORARILY_RETURNED = "temporarily_returned"
    """The trip ended outside a rental point: the user still holds the bike."""
    ENDED = "ended"


class BikeStatus(StrEnum):
    RENTED = "rented"
    IDLE = "idle"


class Decision(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


OPEN = frozenset({OrderStatus.RENTING, OrderStatus.TEMPORARILY_RETURNED})


def user_status_of(latest_order: OrderStatus | None) -> UserStatus:
    """A user's state follows their latest order."""
    if latest_order is OrderStatus.RENTING:
        return UserStatus.RENTING
    if latest_order is OrderStatus.TEMPORARILY_RETURNED:
        return UserStatus.TEMPORARILY_RETURNED
    return UserStatus.IDLE


def bike_status_of(latest_trip: OrderStatus | None) -> BikeStatus:
    """A bike is rented while its latest trip is open (a temporary return keeps it held)."""
    return BikeStatus.RENTED if latest_trip in OPEN else BikeStatus.IDLE


def required_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired("say why (操作原因): nothing was changed")
    if len(text) > 500:
        raise ReasonRequired("a reason is at most 500 characters")
    return text
