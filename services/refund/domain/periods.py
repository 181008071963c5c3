"""Business days and months in the business's time zone, as UTC-comparable bounds."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.refund.domain.errors import InvalidPeriod

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def parse_month(text: str) -> date:
    match = _MONTH.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise InvalidPeriod(f"a month is written YYYY-MM, not {text!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_bounds(first: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return datetime.combine(first, time(0), tzinfo=tz), datetime.combine(
        following, time(0), tzinfo=tz
    )


def local_minute(at: datetime | None, tz: ZoneInfo) -> str:
    """The seed writes times as 0000-00-00 00:00, to the minute."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def dates_bounds(
    first: date | None, last: date | None, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """A search's dates, both inclusive, as bounds: from the start of ``first`` to the end
    of ``last`` in the business's time zone (None: open on that side)."""
    if first is not None and last is not None and first > last:
        raise InvalidPeriod(f"the range starts ({first}) after it ends ({last})")
    return (
        day_bounds(first, tz)[0] if first is not None else None,
        day_bounds(last, tz)[1] if last is not None else None,
    )
