"""Time limits, requested refunds' approval rules (window, caps, amount) and payout retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.refund.domain import requested as rules
from services.refund.domain.deadlines import Deadline, Limit, Limits, describe, filing_deadline
from services.refund.domain.payouts import RetryPolicy
from services.refund.domain.requested import DayTotals, Policy, RequestedState
from shared.errors import DomainError

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SH = ZoneInfo("Asia/Shanghai")
LIMITS = Limits(timedelta(minutes=10), timedelta(minutes=60), timedelta(hours=12))


def test_filing_late_is_a_breach_known_at_once() -> None:
    on_time = filing_deadline("RF1", T0, T0 + timedelta(minutes=9), LIMITS)
    assert on_time.met_at and not on_time.breached_at
    late = filing_deadline("RF1", T0, T0 + timedelta(minutes=11), LIMITS)
    assert late.breached_at == T0 + timedelta(minutes=11) and late.due_at == T0 + timedelta(
        minutes=10
    )


def test_waiting_on_the_customer_moves_the_due_time_by_the_pause() -> None:
    d = Deadline("RF1", Limit.SUBMISSION_TO_FINANCE, T0 + timedelta(minutes=60))
    paused = d.pause(T0 + timedelta(minutes=30))
    assert not paused.overdue(T0 + timedelta(hours=5))
    resumed = paused.resume(T0 + timedelta(minutes=50))
    assert resumed.due_at == T0 + timedelta(minutes=80)
    assert not resumed.overdue(T0 + timedelta(minutes=79)) and resumed.overdue(
        T0 + timedelta(minutes=80)
    )


def test_a_breached_limit_is_not_restarted_and_a_met_one_stops() -> None:
    d = Deadline("RF1", Limit.FINANCE, T0).breach(T0)
    assert d.restart(T0 + timedelta(hours=1)) == d
    met = Deadline("RF1", Limit.FINANCE, T0 + timedelta(hours=12)).meet(T0)
    assert not met.running and not met.overdue(T0 + timedelta(days=1))
    assert met.restart(T0 + timedelta(hours=13)).running


def test_limits_read_as_the_seed_writes_them() -> None:
    assert describe(timedelta(minutes=10)) == "10分钟"
    assert describe(timedelta(hours=12)) == "12小时"


POLICY = Policy(time(9), time(18), 100_000, 3)


def approve(**kw: object) -> DayTotals:
    args: dict[str, object] = {
        "state": RequestedState.AWAITING_APPROVAL,
        "amount_cents": 19_900,
        "requested_by": "agent",
        "confirmed_cents": 19_900,
        "actor": "ops",
        "roles": frozenset({"ops_supervisor"}),
        "policy": POLICY,
        "totals": DayTotals(date(2026, 11, 23), 0, 0),
        "now": T0,
        "tz": SH,
    }
    return rules.approve(**{**args, **kw})  # type: ignore[arg-type]


def code_of(**kw: object) -> str:
    with pytest.raises(DomainError) as caught:
        approve(**kw)
    return caught.value.code


def test_an_approval_counts_on_the_days_totals() -> None:
    assert approve() == DayTotals(date(2026, 11, 23), 19_900, 1)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"roles": frozenset({"cashier"})}, "role_required"),
        ({"actor": "agent"}, "own_form"),
        ({"confirmed_cents": 19_800}, "amount_mismatch"),
        ({"state": RequestedState.COMPLETED}, "already_decided"),
        ({"now": T0.replace(hour=0, minute=59)}, "outside_window"),  # 08:59 in Shanghai
        ({"now": T0.replace(hour=10)}, "outside_window"),  # 18:00: the window has closed
        ({"totals": DayTotals(date(2026, 11, 23), 0, 3)}, "cap_exceeded"),
        ({"totals": DayTotals(date(2026, 11, 23), 80_200, 1)}, "cap_exceeded"),
    ],
)
def test_an_approval_is_refused(change: dict[str, object], code: str) -> None:
    assert code_of(**change) == code


def test_the_amount_cap_may_be_reached_exactly() -> None:
    assert approve(totals=DayTotals(date(2026, 11, 23), 80_100, 2)).approved_cents == 100_000


def test_rejection_reasons_and_give_up() -> None:
    ops = frozenset({"ops_supervisor"})
    rules.reject(
        state=RequestedState.AWAITING_APPROVAL, reason="daily_amount_cap", actor="o", roles=ops
    )
    with pytest.raises(DomainError):
        rules.reject(
            state=RequestedState.AWAITING_APPROVAL, reason="payout_failed", actor="o", roles=ops
        )
    with pytest.raises(DomainError):
        rules.give_up(state=RequestedState.PAYOUT_FAILED, roles=ops, note="")
    with pytest.raises(DomainError):
        rules.give_up(state=RequestedState.PAYING, roles=ops, note="x")
    with pytest.raises(DomainError):
        Policy(time(18), time(9), 1, 1).validate()


def test_payout_retries_back_off_then_go_to_a_person() -> None:
    policy = RetryPolicy(3, timedelta(seconds=30))
    assert policy.next_attempt(1, T0) == T0 + timedelta(seconds=30)
    assert policy.next_attempt(2, T0) == T0 + timedelta(seconds=60)
    assert policy.next_attempt(3, T0) is None
