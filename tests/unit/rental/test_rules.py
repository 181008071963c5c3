from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.rental.domain import users as rules
from services.rental.domain.decisions import check_decision, decision_actions
from services.rental.domain.errors import (
    AlreadyBlacklisted,
    AlreadyDecided,
    GuideVersionConflict,
    InvalidEndTime,
    InvalidQuery,
    LockNotLocked,
    NotBlacklisted,
    NotLatestOrder,
    OrderNotOpen,
    UserDeleted,
    UserNotDeleted,
    UserRenting,
)
from services.rental.domain.exception_fix import FixFacts, decide_fix, fix_refusal, order_actions
from services.rental.domain.guide import next_version
from services.rental.domain.model import (
    BikeStatus,
    Decision,
    OrderStatus,
    UserStatus,
    bike_status_of,
    required_reason,
    user_status_of,
)
from services.rental.domain.permissions import RoleRequired
from services.rental.domain.tariff import Tariff
from shared.errors import ReasonRequired

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
AGENT = frozenset({"agent"})
STARTED = NOW - timedelta(hours=2)


def facts(**changes: object) -> FixFacts:
    values: dict[str, object] = {
        "trip_id": "t1",
        "order_status": OrderStatus.RENTING,
        "started_at": STARTED,
        "lock_state": "locked",
        "bike_rented_by_other": False,
        "is_users_latest": True,
        "user_status": UserStatus.RENTING,
    }
    return FixFacts(**{**values, **changes})  # type: ignore[arg-type]


def test_fix_with_the_lock_locked_ends_at_the_reported_time() -> None:
    outcome = decide_fix(facts(), NOW - timedelta(minutes=60), NOW, Tariff(), roles=AGENT)
    assert outcome.ended_at == NOW - timedelta(minutes=60)
    assert outcome.charge_cents == 200
    assert outcome.user_status_after is UserStatus.IDLE


@pytest.mark.parametrize("lock", ["unlocked", "fault", None])
def test_fix_refused_unless_locked(lock: str | None) -> None:
    with pytest.raises(LockNotLocked):
        decide_fix(facts(lock_state=lock), NOW, NOW, Tariff(), roles=AGENT)


def test_fix_allowed_when_someone_else_rides_the_bike() -> None:
    outcome = decide_fix(
        facts(lock_state="unlocked", bike_rented_by_other=True), NOW, NOW, Tariff(), roles=AGENT
    )
    assert outcome.user_status_after is UserStatus.IDLE


def test_fix_keeps_the_user_status_when_not_the_latest_order() -> None:
    outcome = decide_fix(facts(is_users_latest=False), NOW, NOW, Tariff(), roles=AGENT)
    assert outcome.user_status_after is UserStatus.RENTING


def test_fix_refused_on_an_ended_order_and_for_impossible_times() -> None:
    with pytest.raises(OrderNotOpen):
        decide_fix(facts(order_status=OrderStatus.ENDED), NOW, NOW, Tariff(), roles=AGENT)
    with pytest.raises(InvalidEndTime):
        decide_fix(facts(), STARTED - timedelta(minutes=1), NOW, Tariff(), roles=AGENT)
    with pytest.raises(InvalidEndTime):
        decide_fix(facts(), NOW + timedelta(minutes=1), NOW, Tariff(), roles=AGENT)
    with pytest.raises(InvalidEndTime):
        decide_fix(facts(), NOW.replace(tzinfo=None), NOW, Tariff(), roles=AGENT)


def user(**changes: object) -> rules.UserState:
    values: dict[str, object] = {
        "user_id": "u1",
        "status": UserStatus.IDLE,
        "blacklisted_at": None,
        "deleted_at": None,
    }
    return rules.UserState(**{**values, **changes})  # type: ignore[arg-type]


def refused(refusal: object) -> type:
    assert refusal is not None
    return type(refusal)


def latest(status: OrderStatus = OrderStatus.RENTING, **changes: object) -> rules.LatestOrder:
    values: dict[str, object] = {
        "trip_id": "t2",
        "status": status,
        "lock_state": "locked",
        "bike_rented_by_other": False,
    }
    return rules.LatestOrder(**{**values, **changes})  # type: ignore[arg-type]


def test_user_rules() -> None:
    assert rules.blacklist_refusal(user()) is None
    assert refused(rules.blacklist_refusal(user(blacklisted_at=NOW))) is AlreadyBlacklisted
    assert refused(rules.restore_from_blacklist_refusal(user())) is NotBlacklisted
    assert refused(rules.blacklist_refusal(user(deleted_at=NOW))) is UserDeleted
    assert (
        refused(rules.delete_refusal(user(status=UserStatus.TEMPORARILY_RETURNED))) is UserRenting
    )
    assert refused(rules.undelete_refusal(user())) is UserNotDeleted
    assert rules.undelete_refusal(user(deleted_at=NOW)) is None
    with pytest.raises(UserNotDeleted):
        rules.check(rules.undelete_refusal(user()))


def test_status_fix_only_on_the_latest_order() -> None:
    assert rules.status_fix_refusal(user(), "t2", latest()) is None
    assert refused(rules.status_fix_refusal(user(), "t1", latest())) is NotLatestOrder
    assert refused(rules.status_fix_refusal(user(), "t1", None)) is NotLatestOrder
    assert refused(rules.status_fix_refusal(user(deleted_at=NOW), "t2", latest())) is UserDeleted


@pytest.mark.parametrize("lock", ["unlocked", "fault", None])
@pytest.mark.parametrize("status", [OrderStatus.RENTING, OrderStatus.TEMPORARILY_RETURNED])
def test_status_fix_obeys_the_exception_fixs_lock_guard(
    lock: str | None, status: OrderStatus
) -> None:
    """One rule for both commands: while the order is open, nothing without a locked lock."""
    order = latest(status, lock_state=lock)
    assert refused(rules.status_fix_refusal(user(), "t2", order)) is LockNotLocked
    fix = facts(order_status=status, lock_state=lock)
    assert refused(fix_refusal(fix)) is LockNotLocked
    # someone else riding the bike lifts the guard for both
    assert (
        rules.status_fix_refusal(
            user(), "t2", latest(status, lock_state=lock, bike_rented_by_other=True)
        )
        is None
    )
    assert (
        fix_refusal(facts(order_status=status, lock_state=lock, bike_rented_by_other=True)) is None
    )


def test_status_fix_on_an_ended_order_needs_no_lock() -> None:
    """The bike is back at a rental point: the user's stuck status may be cleared."""
    assert (
        rules.status_fix_refusal(user(), "t2", latest(OrderStatus.ENDED, lock_state=None)) is None
    )


def test_states_follow_the_latest_order() -> None:
    assert user_status_of(OrderStatus.RENTING) is UserStatus.RENTING
    assert user_status_of(OrderStatus.TEMPORARILY_RETURNED) is UserStatus.TEMPORARILY_RETURNED
    assert user_status_of(OrderStatus.ENDED) is UserStatus.IDLE
    assert user_status_of(None) is UserStatus.IDLE
    assert bike_status_of(OrderStatus.TEMPORARILY_RETURNED) is BikeStatus.RENTED
    assert bike_status_of(OrderStatus.ENDED) is BikeStatus.IDLE


def test_reasons_and_decisions() -> None:
    with pytest.raises(ReasonRequired):
        required_reason("   ")
    with pytest.raises(ReasonRequired):
        required_reason("x" * 501)
    assert required_reason(" ok ") == "ok"
    assert (
        check_decision("feedback", "f1", Decision.PENDING, Decision.ACCEPTED, None, AGENT) is None
    )
    with pytest.raises(ReasonRequired):
        check_decision("feedback", "f1", Decision.PENDING, Decision.REJECTED, "", AGENT)
    with pytest.raises(AlreadyDecided):
        check_decision("feedback", "f1", Decision.REJECTED, Decision.ACCEPTED, None, AGENT)


def test_guide_versions() -> None:
    assert next_version(None, None, "text") == 1
    assert next_version(3, 3, "text") == 4
    with pytest.raises(GuideVersionConflict):
        next_version(3, 2, "text")
    with pytest.raises(InvalidQuery):
        next_version(3, 3, "  ")


def test_the_callers_roles_are_part_of_every_rule() -> None:
    lead, ops = frozenset({"duty_lead"}), frozenset({"ops_supervisor"})
    idle = latest(OrderStatus.ENDED)
    assert rules.user_actions(AGENT, user(), idle) == ["status_fix", "blacklist"]
    assert rules.user_actions(lead, user(), idle) == ["status_fix", "blacklist", "delete"]
    assert rules.user_actions(ops, user(), idle) == []
    assert refused(rules.user_refusal("delete", AGENT, user(), idle)) is RoleRequired
    assert rules.user_actions(lead, user(deleted_at=NOW), idle) == ["restore"]
    assert order_actions(facts(), AGENT) == ["exception_fix"]
    assert order_actions(facts(), ops) == [] and order_actions(facts(lock_state=None), AGENT) == []
    with pytest.raises(RoleRequired):
        decide_fix(facts(), NOW, NOW, Tariff(), roles=ops)
    assert decision_actions(Decision.PENDING, AGENT) == ["accept", "reject"]
    assert decision_actions(Decision.PENDING, ops) == []
    assert decision_actions(Decision.ACCEPTED, AGENT) == []
