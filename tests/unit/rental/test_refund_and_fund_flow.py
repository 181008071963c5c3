from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.rental.accounts.domain.errors import (
    BalanceInsufficient,
    DepositRefundAmount,
    NoDeposit,
    NothingToPayBack,
    RefundOutcomeConflict,
)
from services.rental.accounts.domain.fund_flow import (
    csv_row,
    make_filter,
    yuan,
)
from services.rental.accounts.domain.ledger import FUND_FLOW_KINDS, Books, MovementKind
from services.rental.accounts.domain.refund_request import (
    PendingRefund,
    RefundKind,
    RefundStatus,
    breakdown,
    check_outcome,
    refund_amount,
    request_id,
)
from services.rental.accounts.domain.topup import bonus_for
from shared.errors import InvalidInput, ReasonRequired

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_deposit_refund_is_the_whole_deposit() -> None:
    books = Books(balance_cents=500, deposit_cents=29_900)
    assert refund_amount(RefundKind.DEPOSIT, books, None, "退押金") == 29_900
    assert refund_amount(RefundKind.DEPOSIT, books, 29_900, "退押金") == 29_900
    with pytest.raises(DepositRefundAmount):
        refund_amount(RefundKind.DEPOSIT, books, 10_000, "退押金")
    with pytest.raises(NoDeposit):
        refund_amount(RefundKind.DEPOSIT, Books(), None, "退押金")
    with pytest.raises(ReasonRequired):
        refund_amount(RefundKind.DEPOSIT, books, None, "")


def test_a_stored_value_refund_is_at_most_the_balance() -> None:
    books = Books(balance_cents=500)
    assert refund_amount(RefundKind.STORED_VALUE, books, None, "r") == 500
    assert refund_amount(RefundKind.STORED_VALUE, books, 200, "r") == 200
    with pytest.raises(BalanceInsufficient):
        refund_amount(RefundKind.STORED_VALUE, books, 501, "r")
    with pytest.raises(BalanceInsufficient):
        refund_amount(RefundKind.STORED_VALUE, Books(), None, "r")


def test_an_outcome_must_match_its_request_to_the_cent() -> None:
    pending = PendingRefund(
        request_id(RefundKind.DEPOSIT, "u1", 1),
        "u1",
        RefundKind.DEPOSIT,
        29_900,
        RefundStatus.PENDING,
        payout_cents=29_900,
    )
    check_outcome(pending, kind="deposit", user_id="u1", amount_cents=29_900)
    for kind, user, amount in (
        ("stored_value", "u1", 29_900),
        ("deposit", "u2", 29_900),
        ("deposit", "u1", 29_899),
    ):
        with pytest.raises(RefundOutcomeConflict):
            check_outcome(pending, kind=kind, user_id=user, amount_cents=amount)


def test_request_ids_are_stable_per_account_and_number() -> None:
    assert request_id(RefundKind.DEPOSIT, "u1", 3) == "rental-deposit-u1-3"


def test_fund_flow_filter_whole_local_days_and_known_kinds() -> None:
    f = make_filter(date(2026, 11, 1), date(2026, 11, 30), None, "", SHANGHAI)
    assert f.start == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    assert f.end == datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert f.kinds == FUND_FLOW_KINDS and f.user_id is None
    one = make_filter(date(2026, 11, 1), date(2026, 11, 1), ["top_up", "top_up"], "u1", SHANGHAI)
    assert one.kinds == (MovementKind.TOP_UP,) and one.user_id == "u1"
    for bad in (["refund_held"], ["nonsense"]):
        with pytest.raises(InvalidInput):
            make_filter(date(2026, 11, 1), date(2026, 11, 2), bad, None, SHANGHAI)
    with pytest.raises(InvalidInput):
        make_filter(date(2026, 11, 2), date(2026, 11, 1), None, None, SHANGHAI)
    with pytest.raises(InvalidInput):
        make_filter(date(2025, 1, 1), date(2026, 11, 1), None, None, SHANGHAI)


def test_csv_rows() -> None:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    row = csv_row(7, at, "u1", "refund_paid", 123_456, "rental-deposit-u1-1", "ops", SHANGHAI)
    assert row == (
        "7",
        "2026-11-23T10:00:00+08:00",
        "u1",
        "refund_paid",
        "out",
        "123456",
        "1234.56",
        "rental-deposit-u1-1",
        "ops",
    )
    assert yuan(5) == "0.05" and yuan(-150) == "-1.50"


def test_a_stored_value_refund_gives_the_bonus_back_first_then_the_fee() -> None:
    """Seed 004: back to the original account, less the purchase's bonus and a fee."""
    deposit = breakdown(RefundKind.DEPOSIT, 29_900, 5_000, 100)
    assert (deposit.payout_cents, deposit.bonus_deducted_cents, deposit.fee_cents) == (
        29_900,
        0,
        0,
    )
    # 110 yuan of balance, 10 of it the bonus of a 100-yuan top-up, a 1 % fee
    whole = breakdown(RefundKind.STORED_VALUE, 11_000, 1_000, 100)
    assert (whole.bonus_deducted_cents, whole.fee_cents, whole.payout_cents) == (1_000, 100, 9_900)
    # the bonus was partly given back already; the fee rounds half up to the cent
    part = breakdown(RefundKind.STORED_VALUE, 5_050, 300, 100)
    assert (part.bonus_deducted_cents, part.fee_cents, part.payout_cents) == (300, 48, 4_702)
    assert breakdown(RefundKind.STORED_VALUE, 5_000, 0, 0).payout_cents == 5_000
    with pytest.raises(NothingToPayBack):
        breakdown(RefundKind.STORED_VALUE, 800, 1_000, 0)  # only bonus left


def test_a_bonus_is_the_highest_tier_reached() -> None:
    tiers = {10_000: 1_000, 50_000: 8_000}
    assert [bonus_for(a, tiers) for a in (9_999, 10_000, 49_999, 50_000, 90_000)] == [
        0,
        1_000,
        1_000,
        8_000,
        8_000,
    ]
    assert bonus_for(10_000, {}) == 0
