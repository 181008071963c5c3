"""The voucher query's filters, parsed from what the agent typed.

Every filter is optional and they combine with AND. Empty strings count as
absent (search forms send them). Order dates are calendar days in the business
time zone, both ends included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import TypeVar

from services.voucher.domain.model import Source, VoucherStatus
from shared.errors import InvalidInput
from shared.paging import Position, decode_cursor

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")
_TEXT_MAX = 64
E = TypeVar("E", Source, VoucherStatus)


class InvalidFilter(InvalidInput):
    code = "invalid_filter"


@dataclass(frozen=True)
class VoucherQuery:
    phone: str | None = None
    user_id: str | None = None
    code: str | None = None
    merchant_order_no: str | None = None
    source: Source | None = None
    status: VoucherStatus | None = None
    exchanged_from: datetime | None = None
    """Inclusive: midnight starting order_date_from, in the business time zone."""
    exchanged_before: datetime | None = None
    """Exclusive: midnight after order_date_to, in the business time zone."""
    limit: int = DEFAULT_LIMIT
    after: Position | None = None
    """The last row given out: its (exchanged_at, code)."""


def parse_query(params: Mapping[str, str | None], tz: tzinfo) -> VoucherQuery:
    """Build the query from raw parameters; a bad value raises a 422 naming the filter."""
    given = {k: v.strip() for k, v in params.items() if v is not None and v.strip()}
    phone = given.get("phone")
    if phone is not None and not _PHONE.match(phone):
        raise InvalidFilter("phone must be digits", code="invalid_phone")
    for name in ("user_id", "code", "merchant_order_no"):
        if len(given.get(name, "")) > _TEXT_MAX:
            raise InvalidFilter(f"{name} is longer than {_TEXT_MAX}", code=f"invalid_{name}")
    day_from = _date(given.get("order_date_from"), "order_date_from")
    day_to = _date(given.get("order_date_to"), "order_date_to")
    if day_from and day_to and day_to < day_from:
        raise InvalidFilter(
            "order_date_to is before order_date_from", code="invalid_order_date_range"
        )
    return VoucherQuery(
        phone=phone,
        user_id=given.get("user_id"),
        code=given.get("code"),
        merchant_order_no=given.get("merchant_order_no"),
        source=_choice(Source, given.get("source"), "source"),
        status=_choice(VoucherStatus, given.get("status"), "status"),
        exchanged_from=_midnight(day_from, tz) if day_from else None,
        exchanged_before=_midnight(day_to + timedelta(days=1), tz) if day_to else None,
        limit=_limit(given.get("limit")),
        after=decode_cursor(given.get("cursor")),
    )


def _choice(enum: type[E], value: str | None, name: str) -> E | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidFilter(f"{name} must be one of {allowed}", code=f"invalid_{name}") from None


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidFilter(f"{name} must be a date, YYYY-MM-DD", code=f"invalid_{name}") from None


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidFilter(f"limit must be 1 to {MAX_LIMIT}", code="invalid_limit")
    return limit


@dataclass(frozen=True, slots=True)
class ListedVoucher:
    """A voucher as the list and the detail show it, with its order's statuses: the read
    model of the voucher query (the phone unmasked: the view masks it)."""

    code: str
    merchant_order_no: str
    exchanged_at: datetime
    order_status: str
    source: str
    deduction_status: str
    stored_status: str
    face_value: Decimal
    valid_from: date
    valid_to: date
    phone: str
    user_id: str
    redeemed_at: datetime | None
    store_id: str | None
