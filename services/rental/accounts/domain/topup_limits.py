"""Top-up limits per card type (seed 004: 充值限额, per top-up, per day, count per day).

A day is the business's local day. Pending top-ups count: two agents topping up one
card at once cannot both slip under the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from services.rental.accounts.domain.errors import (
    AmountOverLimit,
    DailyAmountOverLimit,
    DailyCountOverLimit,
)


class TopUpLimits(BaseModel):
    per_top_up_cents: int = Field(gt=0)
    per_day_cents: int = Field(gt=0)
    count_per_day: int = Field(gt=0)


def limits_table(raw: dict[str, dict[str, int]]) -> dict[str, TopUpLimits]:
    """The limits from settings (``KEFU_RENTAL_TOPUP_LIMITS``), checked once at start."""
    table = {card_type: TopUpLimits.model_validate(v) for card_type, v in raw.items()}
    if "standard" not in table:
        raise ValueError("rental_topup_limits needs a 'standard' card type")
    return table


@dataclass(frozen=True)
class DayUsage:
    """What the card topped up today so far."""

    amount_cents: int
    count: int


def limits_for(card_type: str, table: dict[str, TopUpLimits]) -> TopUpLimits:
    return table.get(card_type) or table["standard"]


def check_limits(amount_cents: int, today: DayUsage, limits: TopUpLimits) -> None:
    if amount_cents > limits.per_top_up_cents:
        raise AmountOverLimit(
            f"{amount_cents} cents is over this card type's limit of"
            f" {limits.per_top_up_cents} cents per top-up"
        )
    if today.count + 1 > limits.count_per_day:
        raise DailyCountOverLimit(
            f"this card has topped up {today.count} times today;"
            f" at most {limits.count_per_day} a day"
        )
    if today.amount_cents + amount_cents > limits.per_day_cents:
        raise DailyAmountOverLimit(
            f"this card has topped up {today.amount_cents} cents today; another {amount_cents}"
            f" would pass the daily limit of {limits.per_day_cents} cents"
        )
