from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.rental.domain.account_errors import (
    BalanceInsufficient,
    DepositRefundAmount,
    NoDeposit,
    ReasonRequired,
    RefundOutcomeConflict,
)
from services.rental.domain.fund_flow import (
    csv_row,
    make_filter,
    yuan,
)
from services.rental.domain.ledger import FUND_FLOW_KINDS, Books, MovementKind
from services.rental.domain.refund_request import (
    PendingRefund,
    RefundKind,
    RefundStatus,
    check_outcome,
    refund_amount,
    request_id,
)
from shared.errors import InvalidInput

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
