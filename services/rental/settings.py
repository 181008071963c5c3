"""The rental service's own settings (``KEFU_*``, beside the platform's).

The tariff, counter top-ups and their limits, stored-value refunds, the counter
payment device's sandbox.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from shared.settings import PlatformSettings


class RentalSettings(PlatformSettings):
    rental_tariff_unit_cents: int = 100
    rental_tariff_unit_minutes: int = 30
    """The rental tariff: ``unit_cents`` per started ``unit_minutes`` of a trip (1 元 per half
    hour); it prices a trip the exception fix ends (services/rental/domain/tariff.py)."""
    rental_tariff_daily_cap_cents: int = 2000
    """At most this much per 24 hours of one trip."""
    rental_tariff_free_minutes: int = 2
    """A trip this short or shorter is free."""
    rental_topup_limits: dict[str, dict[str, int]] = Field(
        default_factory=lambda: {
            "standard": {"per_top_up_cents": 100_000, "per_day_cents": 200_000, "count_per_day": 5},
            "student": {"per_top_up_cents": 50_000, "per_day_cents": 100_000, "count_per_day": 3},
            "senior": {"per_top_up_cents": 50_000, "per_day_cents": 100_000, "count_per_day": 3},
        }
    )
    """Counter top-up limits per card type, in cents: per top-up, per (local) day, count a day.
    JSON, e.g. ``{"standard": {"per_top_up_cents": 100000, "per_day_cents": 200000,
    "count_per_day": 5}}``; a card type missing from it gets ``standard``'s."""
    rental_topup_bonus: dict[int, int] = Field(default_factory=dict)
    """A counter top-up's promotional bonus (充值优惠): top-up amount at least the key, in
    cents, earns the value in cents (the highest tier reached). JSON, e.g. ``{"10000":
    1000, "50000": 8000}``; none by default. A stored-value refund gives the bonus back
    first (it is not the customer's money)."""
    rental_refund_fee_bps: int = Field(default=0, ge=0, le=10_000)
    """The fee on a stored-value refund (退款手续费), in basis points of what is paid back
    after the bonus; none by default."""
    rental_identity_ttl_minutes: int = 10
    """An identity verification (SMS code or ID check) is good for one top-up this long."""
    rental_code_secret: SecretStr | None = None
    """HMAC key of the top-up SMS codes; when unset, one is generated under ``home``."""
    sandbox_counter_delay_ms: int = 0
    sandbox_counter_fail_all: bool = False
