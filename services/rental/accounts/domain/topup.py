"""A counter top-up (线下储值), checked in the seed's order before any money is taken:
identity verified, the card active, the confirmed amount equal to the amount to charge,
the card type's limits kept. Then the counter charges the paying account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.rental.accounts.domain.card import CardState, check_can_top_up
from services.rental.accounts.domain.errors import AmountMismatch
from services.rental.accounts.domain.ledger import check_amount
from services.rental.accounts.domain.topup_identity import Verification, check_usable
from services.rental.accounts.domain.topup_limits import DayUsage, TopUpLimits, check_limits


class PaymentMethod(StrEnum):
    CASH = "cash"
    BANK_CARD = "bank_card"
    WECHAT = "wechat"
    ALIPAY = "alipay"


@dataclass(frozen=True)
class TopUpRequest:
    user_id: str
    amount_cents: int
    confirmed_amount_cents: int
    """What the customer confirmed (金额审核): must equal the amount charged."""
    verification: Verification | None
    payment_method: PaymentMethod
    payer_account: str


def check_top_up(
    request: TopUpRequest,
    *,
    card_state: CardState,
    limits: TopUpLimits,
    today: DayUsage,
    now: datetime,
) -> None:
    check_usable(request.verification, request.user_id, now)
    check_can_top_up(card_state)
    check_amount(request.amount_cents)
    if request.confirmed_amount_cents != request.amount_cents:
        raise AmountMismatch(
            f"the customer confirmed {request.confirmed_amount_cents} cents but"
            f" {request.amount_cents} would be charged: confirm the amount again"
        )
    check_limits(request.amount_cents, today, limits)


def local_day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The start and end of ``now``'s business day (the limits' day)."""
    day: date = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tz)
    return start, start + timedelta(days=1)


def serial_number(day: date, sequence: int) -> str:
    """The receipt's transaction serial number (交易流水号): the day and a running number."""
    return f"TU{day:%Y%m%d}{sequence:010d}"


def bonus_for(amount_cents: int, tiers: dict[int, int]) -> int:
    """The promotional bonus a top-up earns (充值优惠): the highest tier it reaches."""
    reached = [bonus for least, bonus in tiers.items() if amount_cents >= least and bonus > 0]
    return max(reached, default=0)
