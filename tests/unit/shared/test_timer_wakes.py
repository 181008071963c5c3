"""Which notifications wake a sleeping timer sweep (shared.timers.due_after)."""

from __future__ import annotations

from shared.timers import CLOCK_SLACK_SECONDS, due_after


def test_a_timer_due_after_the_planned_look_and_its_slack_wakes_nothing() -> None:
    assert due_after(str(1000.0 + CLOCK_SLACK_SECONDS), planned=1000.0)
    assert due_after("4000.25", planned=1000.0)


def test_a_timer_due_before_the_plan_or_within_the_slack_wakes_the_sweep() -> None:
    assert not due_after("999.5", planned=1000.0)
    assert not due_after(str(1000.0 + CLOCK_SLACK_SECONDS / 2), planned=1000.0)


def test_a_sweep_not_asleep_or_a_notification_that_does_not_say_always_looks() -> None:
    assert not due_after("4000", planned=None)  # sweeping or planning: it must look again
    assert not due_after("", planned=1000.0)  # a lost connection, an in-process wake
    assert not due_after("soon", planned=1000.0)
