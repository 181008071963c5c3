"""What an agent may search users and rental orders by; every filter combinable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.rental.domain.errors import InvalidQuery
from services.rental.domain.model import OrderStatus, UserStatus


class Deleted(StrEnum):
    EXCLUDE = "exclude"
    ONLY = "only"
    INCLUDE = "include"


@dataclass(frozen=True)
class UserQuery:
    phone: str | None = None
    name: str | None = None
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
    phone: str | None = None
    bike_id: str | None = None
    status: OrderStatus | None = None
    started_from: datetime | None = None
    started_before: datetime | None = None
    limit: int = 50

    def __post_init__(self) -> None:
        _check_range(self.started_from, self.started_before, "started")


def _check_range(start: datetime | None, end: datetime | None, name: str) -> None:
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise InvalidQuery(f"{name} times need a time zone (e.g. 2026-11-01T00:00:00+08:00)")
    if start is not None and end is not None and start >= end:
        raise InvalidQuery(f"{name}_from must be before {name}_before")
