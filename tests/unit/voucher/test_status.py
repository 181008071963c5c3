"""Statuses the agent sees, derived from stored facts, and the buttons they show."""

from __future__ import annotations

from datetime import date

import pytest

from services.voucher.domain.model import Action, VoucherStatus, voucher_status
from services.voucher.domain.rules import (
    OrderFacts,
    holds,
    reversal_command_rules,
    void_command_rules,
    voucher_actions,
)
from services.voucher.domain.saga import SagaState

S = VoucherStatus

TODAY = date(2019, 1, 29)


@pytest.mark.parametrize(
    ("stored", "valid_to", "shown"),
    [
        ("available", date(2019, 1, 29), VoucherStatus.AVAILABLE),  # its last day still counts
        ("available", date(2019, 1, 28), VoucherStatus.EXPIRED),
        ("expired", date(2019, 1, 28), VoucherStatus.EXPIRED),  # stored by the expiry sweep
        ("used", date(2019, 1, 28), VoucherStatus.USED),
        ("voided", date(2019, 1, 28), VoucherStatus.VOIDED),
        ("used", date(2030, 1, 1), VoucherStatus.USED),
    ],
)
def test_status_shown(stored, valid_to, shown) -> None:
    assert voucher_status(stored, valid_to, TODAY) is shown


def test_unknown_stored_status_is_refused() -> None:
    with pytest.raises(ValueError):
        voucher_status("lost", TODAY, TODAY)


def _order(**given: object) -> OrderFacts:
    facts: dict[str, object] = {
        "source": "bubble",
        "deduction_status": "deducted",
        "points": 100,
        "order_status": "exchanged",
        "statuses": {"A": S.AVAILABLE, "B": S.AVAILABLE},
    }
    return OrderFacts(**(facts | given))  # type: ignore[arg-type]


AGENT = frozenset({"agent"})
BOTH = [Action.VOID, Action.REVERSE]


@pytest.mark.parametrize(
    ("order", "status", "actions"),
    [
        (_order(), S.AVAILABLE, BOTH),
        (_order(source="telecom_points"), S.AVAILABLE, [Action.VOID]),
        (_order(source="e_coupon"), S.AVAILABLE, [Action.VOID]),
        (_order(deduction_status="pending"), S.AVAILABLE, [Action.VOID]),
        (_order(deduction_status="refunded"), S.AVAILABLE, [Action.VOID]),
        (_order(points=0), S.AVAILABLE, [Action.VOID]),
        # one used voucher of the order blocks the reversal of its other vouchers
        (_order(statuses={"A": S.AVAILABLE, "B": S.USED}), S.AVAILABLE, [Action.VOID]),
        (_order(statuses={"A": S.AVAILABLE, "B": S.VOIDED}), S.AVAILABLE, [Action.VOID]),
        (_order(statuses={"A": S.AVAILABLE, "B": S.EXPIRED}), S.AVAILABLE, [Action.VOID]),
        # a void under way on another voucher blocks the reversal, not this voucher's void
        (_order(voiding=frozenset({"B"})), S.AVAILABLE, [Action.VOID]),
        (_order(voiding=frozenset({"A"})), S.AVAILABLE, []),
        (_order(order_status="reversing", saga=SagaState.VOIDING), S.AVAILABLE, []),
        (_order(order_status="reversed", saga=SagaState.SUCCEEDED), S.AVAILABLE, [Action.VOID]),
        # a reversal that failed half-way resumes with the vouchers it has still to void
        (
            _order(
                order_status="reversal_failed",
                saga=SagaState.FAILED,
                statuses={"A": S.AVAILABLE, "B": S.VOIDED},
            ),
            S.AVAILABLE,
            BOTH,
        ),
        (
            _order(
                order_status="reversal_failed",
                saga=SagaState.FAILED,
                statuses={"A": S.AVAILABLE, "B": S.USED},
            ),
            S.AVAILABLE,
            [Action.VOID],
        ),
        (_order(), S.USED, []),
        (_order(), S.VOIDED, []),
        (_order(), S.EXPIRED, []),
    ],
)
def test_buttons_are_what_the_commands_rules_accept(order, status, actions) -> None:
    assert voucher_actions("A", status, order, AGENT) == actions
    void_ok = holds([*void_command_rules(status, order, "A")])
    reverse_ok = holds(reversal_command_rules(order))
    if status is S.AVAILABLE:
        assert (Action.VOID in actions, Action.REVERSE in actions) == (void_ok, reverse_ok)


@pytest.mark.parametrize("roles", [frozenset(), {"ops_supervisor"}, {"cashier", "tech"}])
def test_no_buttons_for_roles_that_may_not_void_or_reverse(roles) -> None:
    assert voucher_actions("A", S.AVAILABLE, _order(), frozenset(roles)) == []
    assert voucher_actions("A", S.AVAILABLE, _order(), frozenset({"duty_lead"})) == BOTH
