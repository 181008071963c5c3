"""Daily statistics (seed 001, 2.9-2.11): rentals, returns and new users per local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.rental.domain.errors import InvalidQuery

MAX_DAYS = 366


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise InvalidQuery("from must not be after to")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise InvalidQuery(f"at most {MAX_DAYS} days at once")

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The instants the local days start and end (midnight to midnight in ``tz``)."""
        start = datetime.combine(self.first, time(), tz)
        end = datetime.combine(self.last + timedelta(days=1), time(), tz)
        return start, end

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class DayFigures:
    day: date
    rentals: int
    returns: int
    new_users: int


def fill(
    days: list[date], rentals: dict[date, int], returns: dict[date, int], users: dict[date, int]
) -> list[DayFigures]:
    """One row per day, zero where nothing happened."""
    return [DayFigures(d, rentals.get(d, 0), returns.get(d, 0), users.get(d, 0)) for d in days]
