"""When a voucher expires, and when the expiry sweep runs.

A voucher is valid through its valid_to day in the business time zone, so it
expires at the first midnight after that day, local time. The sweep runs
every few minutes and again right after each local midnight, when a whole
day's vouchers expire at once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo


def business_day(now: datetime, tz: tzinfo) -> date:
    """The calendar day ``now`` falls on where the business is (not UTC)."""
    if now.tzinfo is None:
        raise ValueError("a naive datetime has no business day")
    return now.astimezone(tz).date()


def is_expired(valid_to: date, today: date) -> bool:
    """Its last valid day is over; on valid_to itself it is still usable."""
    return valid_to < today


def next_midnight(now: datetime, tz: tzinfo) -> datetime:
    """The start of the next business day, as an aware datetime."""
    tomorrow = business_day(now, tz) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz)


def next_sweep_at(now: datetime, tz: tzinfo, every: timedelta) -> datetime:
    """The next expiry sweep: ``every`` from now, or the next local midnight if sooner."""
    if every <= timedelta(0):
        raise ValueError("the sweep interval must be positive")
    return min(now + every, next_midnight(now, tz))
