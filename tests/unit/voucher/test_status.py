"""Statuses the agent sees, derived from stored facts, and the buttons they show."""

from __future__ import annotations

from datetime import date

import pytest

from services.voucher.domain.model import Action, VoucherStatus, voucher_actions, voucher_status

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


@pytest.mark.parametrize(
    ("status", "source", "deduction", "actions"),
    [
        (VoucherStatus.AVAILABLE, "bubble", "deducted", [Action.VOID, Action.REVERSE]),
        (VoucherStatus.AVAILABLE, "telecom_points", "deducted", [Action.VOID]),
        (VoucherStatus.AVAILABLE, "e_coupon", "deducted", [Action.VOID]),
        (VoucherStatus.AVAILABLE, "bubble", "pending", [Action.VOID]),
        (VoucherStatus.AVAILABLE, "bubble", "refunded", [Action.VOID]),
        (VoucherStatus.USED, "bubble", "deducted", []),
        (VoucherStatus.VOIDED, "bubble", "deducted", []),
        (VoucherStatus.EXPIRED, "bubble", "deducted", []),
    ],
)
def test_buttons(status, source, deduction, actions) -> None:
    assert voucher_actions(status, source, deduction) == actions
