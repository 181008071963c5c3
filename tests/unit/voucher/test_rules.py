"""The named rules of void and reversal: each broken rule answers with its own code."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.voucher.domain.model import VoucherStatus as S
from services.voucher.domain.rules import (
    BusinessRule,
    OrderFacts,
    OrderNotReversed,
    ReasonGiven,
    check,
    resume_rules,
    reversal_rules,
    void_command_rules,
)
from shared.errors import DomainError


def code_of(*rules: BusinessRule) -> str | None:
    try:
        check(*rules)
    except DomainError as exc:
        return exc.code
    return None


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_a_reason_is_required(reason) -> None:
    assert code_of(ReasonGiven(reason)) == "reason_required"
    with pytest.raises(DomainError) as caught:
        check(ReasonGiven(reason))
    assert caught.value.status == 422


def test_a_written_reason_passes() -> None:
    assert code_of(ReasonGiven("工单 123: 用户要求退还积分")) is None


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (S.AVAILABLE, None),
        (S.USED, "voucher_used"),
        (S.VOIDED, "not_available"),
        (S.EXPIRED, "not_available"),
    ],
)
def test_only_an_available_voucher_can_be_voided(status, code) -> None:
    order = OrderFacts("bubble", "deducted", 1500, "issued", {"V1": status})
    assert code_of(*void_command_rules(status, order, "V1")) == code


def reversal(
    source: str = "bubble",
    deduction: str = "deducted",
    points: int = 2000,
    statuses: Sequence[S] = (S.AVAILABLE,),
) -> str | None:
    return code_of(
        *reversal_rules(source=source, deduction_status=deduction, points=points, statuses=statuses)
    )


def test_an_eligible_order_passes() -> None:
    assert reversal(statuses=[S.AVAILABLE, S.AVAILABLE, S.AVAILABLE]) is None


@pytest.mark.parametrize("source", ["telecom_points", "e_coupon"])
def test_only_bubble_points_orders_reverse(source) -> None:
    assert reversal(source=source) == "source_not_reversible"


@pytest.mark.parametrize(
    ("deduction", "points"), [("pending", 10), ("failed", 10), ("refunded", 10), ("deducted", 0)]
)
def test_points_must_have_been_deducted(deduction, points) -> None:
    assert reversal(deduction=deduction, points=points) == "points_not_deducted"


def test_one_used_voucher_blocks_the_whole_order() -> None:
    assert reversal(statuses=[S.AVAILABLE, S.USED, S.VOIDED]) == "voucher_used"


@pytest.mark.parametrize("other", [S.VOIDED, S.EXPIRED])
def test_any_other_unavailable_voucher_blocks(other) -> None:
    assert reversal(statuses=[S.AVAILABLE, other]) == "not_available"


def test_source_is_checked_first() -> None:
    assert reversal(source="e_coupon", deduction="failed", statuses=[S.USED]) == (
        "source_not_reversible"
    )


def test_a_reversed_order_is_not_reversed_again() -> None:
    assert code_of(OrderNotReversed("reversed")) == "already_reversed"
    assert code_of(OrderNotReversed("reversal_failed")) is None


def test_a_resumed_reversal_checks_only_what_it_still_has_to_void() -> None:
    assert code_of(*resume_rules([])) is None
    assert code_of(*resume_rules([S.AVAILABLE])) is None
    assert code_of(*resume_rules([S.AVAILABLE, S.USED])) == "voucher_used"
    assert code_of(*resume_rules([S.EXPIRED])) == "not_available"
