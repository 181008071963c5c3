"""What an agent may search users, accounts and rental orders by; every filter combinable.

A phone is searched by the whole number or by its last four digits (what a caller reads
out, seed 001 3.1); a name by its beginning (a surname, a surname and part of the given
name, or the whole name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.rental.domain.errors import InvalidQuery
from services.rental.domain.model import OrderStatus, UserStatus

RETURN_WINDOW_DAYS = 31
"""A trip is found by its end (a day's returns) when it started at most this many days
before that end: the start bounds the scan (trips are indexed by start, not end)."""
LAST_FOUR = 4


@dataclass(frozen=True)
class PhoneMatch:
    """A whole phone number, or its last four digits."""

    digits: str

    @property
    def last_four_only(self) -> bool:
        return len(self.digits) == LAST_FOUR


def phone_match(phone: str | None) -> PhoneMatch | None:
    if phone is None:
        return None
    digits = phone.strip().replace(" ", "").replace("-", "")
    if not digits.isdigit() or len(digits) < LAST_FOUR:
        raise InvalidQuery("phone is the whole number or its last four digits")
    return PhoneMatch(digits)


def name_part(name: str | None) -> str | None:
    """The part of a name to look for; a blank one is refused, not taken for "everyone"."""
    if name is None:
        return None
    part = name.strip()
    if not part:
        raise InvalidQuery("name is empty: leave it out to search every name")
    return part


class Deleted(StrEnum):
    EXCLUDE = "exclude"
    ONLY = "only"
    INCLUDE = "include"


@dataclass(frozen=True)
class UserQuery:
    phone: PhoneMatch | None = None
    name: str | None = None
    """The beginning of the name."""
    user_id: str | None = None
    status: UserStatus | None = None
    registered_from: datetime | None = None
    registered_before: datetime | None = None
    blacklisted: bool | None = None
    deleted: Deleted = Deleted.EXCLUDE
    limit: int = 50

    def __post_init__(self) -> None:
        _check_range(self.registered_from, self.registered_before, "registered")


@dataclass(frozen=True)
class OrderQuery:
    user_id: str | None = None
    phone: PhoneMatch | None = None
    bike_id: str | None = None
    status: OrderStatus | None = None
    started_from: datetime | None = None
    started_before: datetime | None = None
    ended_from: datetime | None = None
    ended_before: datetime | None = None
    """By end time (today's returns: ended today, status ended); a trip is found when it
    started at most RETURN_WINDOW_DAYS before the end range."""
    limit: int = 50

    def __post_init__(self) -> None:
        _check_range(self.started_from, self.started_before, "started")
        _check_range(self.ended_from, self.ended_before, "ended")

    @property
    def by_end(self) -> bool:
        return self.ended_from is not None or self.ended_before is not None


def _check_range(start: datetime | None, end: datetime | None, name: str) -> None:
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise InvalidQuery(f"{name} times need a time zone (e.g. 2026-11-01T00:00:00+08:00)")
    if start is not None and end is not None and start >= end:
        raise InvalidQuery(f"{name}_from must be before {name}_before")
