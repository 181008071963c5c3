"""Fund flows (资金流水): the ledger's movements where money crossed, filtered, totalled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.rental.accounts.domain.ledger import FUND_FLOW_KINDS, OUTFLOWS, MovementKind
from shared.errors import InvalidInput

MAX_RANGE_DAYS = 366
CSV_COLUMNS = (
    "movement_id",
    "at",
    "user_id",
    "kind",
    "direction",
    "amount_cents",
    "amount_yuan",
    "reference",
    "actor",
)


@dataclass(frozen=True)
class FundFlowFilter:
    start: datetime
    end: datetime
    """Exclusive."""
    kinds: tuple[MovementKind, ...]
    user_id: str | None


def make_filter(
    date_from: date,
    date_to: date,
    kinds: list[str] | None,
    user_id: str | None,
    tz: ZoneInfo,
) -> FundFlowFilter:
    """Whole local days from ``date_from`` to ``date_to`` inclusive."""
    if date_to < date_from:
        raise InvalidInput("date_to is before date_from", code="invalid_date_range")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise InvalidInput(
            f"a fund-flow range is at most {MAX_RANGE_DAYS} days", code="invalid_date_range"
        )
    chosen: tuple[MovementKind, ...] = FUND_FLOW_KINDS
    if kinds:
        allowed = {k.value for k in FUND_FLOW_KINDS}
        unknown = [k for k in kinds if k not in allowed]
        if unknown:
            known = ", ".join(sorted(allowed))
            raise InvalidInput(
                f"unknown fund-flow kind {', '.join(unknown)} (known: {known})",
                code="invalid_kind",
            )
        chosen = tuple(MovementKind(k) for k in dict.fromkeys(kinds))
    start = datetime.combine(date_from, time(0), tz)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tz)
    return FundFlowFilter(start, end, chosen, user_id or None)


def direction(kind: str) -> str:
    return "out" if kind in OUTFLOWS else "in"


def yuan(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def csv_row(
    movement_id: int,
    at: datetime,
    user_id: str,
    kind: str,
    amount_cents: int,
    reference: str | None,
    actor: str | None,
    tz: ZoneInfo,
) -> tuple[str, ...]:
    return (
        str(movement_id),
        at.astimezone(tz).isoformat(),
        user_id,
        kind,
        direction(kind),
        str(amount_cents),
        yuan(amount_cents),
        reference or "",
        actor or "",
    )
