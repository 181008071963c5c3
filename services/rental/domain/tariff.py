"""The rental tariff: what a trip costs, from its start and end alone (pure).

Every started ``unit_minutes`` costs ``unit_cents``; each 24 hours of a trip costs at
most ``daily_cap_cents``; a trip of ``free_minutes`` or less is free (a bike that
would not unlock properly, given back at once). With the defaults: 1 元 per started
half hour, at most 20 元 a day, the first 2 minutes free. Charges are integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DAY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Tariff:
    unit_cents: int = 100
    unit_minutes: int = 30
    daily_cap_cents: int = 2000
    free_minutes: int = 2

    def __post_init__(self) -> None:
        if self.unit_cents < 0 or self.unit_minutes < 1 or self.daily_cap_cents < 0:
            raise ValueError("a tariff needs a unit of at least a minute and no negative prices")
        if self.free_minutes < 0:
            raise ValueError("free minutes cannot be negative")

    def charge_cents(self, started_at: datetime, ended_at: datetime) -> int:
        seconds = int((ended_at - started_at).total_seconds())
        if seconds < 0:
            raise ValueError("a trip cannot end before it starts")
        if seconds <= self.free_minutes * 60:
            return 0
        days, rest = divmod(seconds, DAY_SECONDS)
        unit = self.unit_minutes * 60
        units = -(-rest // unit)  # ceiling: every started unit counts
        return days * self.daily_cap_cents + min(units * self.unit_cents, self.daily_cap_cents)
