"""The ticket list's filters (seed 002's service-ticket search), as the store reads them.

Every filter is optional and they combine with AND. Opening dates are calendar days
in the business time zone, both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from services.refund.aftersales.domain.errors import InvalidTicketQuery
from services.refund.aftersales.domain.tickets import ReviewOutcome, TicketStatus


@dataclass(frozen=True)
class TicketQuery:
    seller_id: str | None = None
    status: TicketStatus | None = None
    application_no: str | None = None
    order_no: str | None = None
    customer_id: str | None = None
    outcome: ReviewOutcome | None = None
    opened_from: datetime | None = None
    """Inclusive: midnight starting ``created_from``, business time zone."""
    opened_before: datetime | None = None
    """Exclusive: midnight after ``created_to``."""
    sellers: frozenset[str] | None = None
    """Only these sellers' tickets (the sellers a reviewer or processor serves); None: all."""


def opening_days(
    created_from: date | None, created_to: date | None, tz: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """The instants an opening-day range covers: [first midnight, the midnight after)."""
    if created_from and created_to and created_to < created_from:
        raise InvalidTicketQuery("created_to is before created_from", code="invalid_date_range")
    start = datetime.combine(created_from, time(0), tzinfo=tz) if created_from else None
    end = (
        datetime.combine(created_to + timedelta(days=1), time(0), tzinfo=tz) if created_to else None
    )
    return start, end
