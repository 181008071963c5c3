from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.rental.accounts.domain.card import CardState, transition
from services.rental.accounts.domain.errors import (
    AmountMismatch,
    AmountOverLimit,
    CardExpired,
    CardFrozen,
    CardReportedLost,
    CardTransitionInvalid,
    DailyAmountOverLimit,
    DailyCountOverLimit,
    IdentityNotVerified,
)
from services.rental.accounts.domain.topup import (
    PaymentMethod,
    TopUpRequest,
    check_top_up,
    local_day_bounds,
    serial_number,
)
from services.rental.accounts.domain.topup_identity import (
    IdentityMethod,
    Verification,
    check_document_note,
)
from services.rental.accounts.domain.topup_limits import (
    DayUsage,
    TopUpLimits,
    limits_for,
    limits_table,
)
from shared.errors import InvalidInput, ReasonRequired

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LIMITS = TopUpLimits(per_top_up_cents=10_000, per_day_cents=15_000, count_per_day=2)


def verified(user: str = "u1", **changes: object) -> Verification:
    values: dict[str, object] = {
        "id": "v1",
        "user_id": user,
        "method": IdentityMethod.SMS_CODE,
        "verified_by": "agent",
        "verified_at": NOW,
        "expires_at": NOW + timedelta(minutes=10),
        "used_at": None,
        **changes,
    }
    return Verification(**values)  # type: ignore[arg-type]


def request(amount: int = 5_000, confirmed: int | None = None, **changes: object) -> TopUpRequest:
    verification = changes.pop("verification", verified())
    return TopUpRequest(
        "u1",
        amount,
        amount if confirmed is None else confirmed,
        verification,  # type: ignore[arg-type]
        PaymentMethod.CASH,
        "cash",
    )


def check(req: TopUpRequest, state: CardState = CardState.ACTIVE, today: DayUsage | None = None):
    check_top_up(req, card_state=state, limits=LIMITS, today=today or DayUsage(0, 0), now=NOW)


@pytest.mark.parametrize(
    ("req", "state", "today", "error"),
    [
        (request(verification=None), CardState.ACTIVE, None, IdentityNotVerified),
        (request(verification=verified("u2")), CardState.ACTIVE, None, IdentityNotVerified),
        (request(verification=verified(used_at=NOW)), CardState.ACTIVE, None, IdentityNotVerified),
        (
            request(verification=verified(expires_at=NOW)),
            CardState.ACTIVE,
            None,
            IdentityNotVerified,
        ),
        (request(), CardState.EXPIRED, None, CardExpired),
        (request(), CardState.REPORTED_LOST, None, CardReportedLost),
        (request(), CardState.FROZEN, None, CardFrozen),
        (request(5_000, 4_999), CardState.ACTIVE, None, AmountMismatch),
        (request(10_001), CardState.ACTIVE, None, AmountOverLimit),
        (request(), CardState.ACTIVE, DayUsage(1_000, 2), DailyCountOverLimit),
        (request(), CardState.ACTIVE, DayUsage(10_001, 1), DailyAmountOverLimit),
    ],
)
def test_each_rule_refuses_with_its_own_code(req, state, today, error) -> None:
    with pytest.raises(error):
        check(req, state, today)


def test_a_top_up_within_every_rule_passes() -> None:
    check(request(10_000), today=DayUsage(5_000, 1))


def test_card_transitions_need_a_reason_and_a_known_path() -> None:
    assert transition(CardState.ACTIVE, CardState.FROZEN, "customer asked") is CardState.FROZEN
    assert transition(CardState.REPORTED_LOST, CardState.ACTIVE, "card found") is CardState.ACTIVE
    with pytest.raises(ReasonRequired):
        transition(CardState.ACTIVE, CardState.FROZEN, " ")
    with pytest.raises(CardTransitionInvalid):
        transition(CardState.EXPIRED, CardState.FROZEN, "why")
    with pytest.raises(CardTransitionInvalid):
        transition(CardState.ACTIVE, CardState.ACTIVE, "again")


def test_the_limits_day_is_the_local_day_and_serials_carry_it() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    late = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 01:30 on the 24th in Shanghai
    start, end = local_day_bounds(late, shanghai)
    assert start == datetime(2026, 11, 24, tzinfo=shanghai) and end - start == timedelta(days=1)
    assert serial_number(start.date(), 42) == "TU202611240000000042"


def test_limits_come_from_settings_with_standard_as_the_fallback() -> None:
    table = limits_table(
        {"standard": {"per_top_up_cents": 1, "per_day_cents": 2, "count_per_day": 3}}
    )
    assert limits_for("senior", table).count_per_day == 3
    with pytest.raises(ValueError, match="standard"):
        limits_table({"student": {"per_top_up_cents": 1, "per_day_cents": 2, "count_per_day": 3}})


def test_an_id_check_records_which_document() -> None:
    check_document_note(IdentityMethod.SMS_CODE, None)
    check_document_note(IdentityMethod.ID_DOCUMENT, "123X")
    for last4 in (None, "12", " "):
        with pytest.raises(InvalidInput):
            check_document_note(IdentityMethod.FACE_MATCH, last4)
