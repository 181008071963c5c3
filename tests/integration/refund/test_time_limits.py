"""Time limits with a movable clock: breaches are recorded, published and told once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.infra import eventually
from tests.integration.refund.conftest import Refund

pytestmark = pytest.mark.integration


async def test_a_form_filed_late_breaches_the_filing_limit_at_once(refund: Refund) -> None:
    complaint = refund.clock() - timedelta(minutes=15)
    form = await refund.file(complaint_at=complaint.isoformat())
    filing = next(d for d in form["deadlines"] if d["step"] == "filing")
    assert filing["breached_at"] is not None
    events = await refund.seen.wait(
        "refund.sla.breached.v1", form_id=form["form_id"], step="filing"
    )
    assert events[0]["assignee_role"] == "agent"
    lead = await refund.seen.wait(
        "notify.inapp.requested.v1", dedupe_key=f"refund-form-{form['form_id']}-overdue-filing"
    )
    assert lead[0]["recipient"] == "lead" and lead[0]["template_id"] == "refund_form_overdue"


async def test_submission_and_finance_limits_breach_once_each(refund: Refund) -> None:
    form = await refund.file()
    form_id = form["form_id"]
    refund.clock.advance(minutes=61)

    async def breached(step: str) -> bool:
        row = await refund.pool.fetchrow(
            "SELECT breached_at FROM refund_form_deadlines WHERE form_id = $1 AND step = $2",
            form_id,
            step,
        )
        return row is not None and row["breached_at"] is not None

    await eventually(lambda: breached("submission_to_finance"), what="submission breached")
    for path, who in (("lead-check", "lead"), ("tech-verification", "tech")):
        await refund.step(form_id, path, who)
    await refund.step(form_id, "finance-submission", "lead2")
    refund.clock.advance(hours=12, seconds=1)
    await eventually(lambda: breached("finance"), what="finance breached")
    refund.clock.advance(hours=1)
    await refund.seen.wait("refund.sla.breached.v1", form_id=form_id, step="finance")
    detail = await refund.form(form_id)
    shown = {d["step"]: d["breached_at"] is not None for d in detail["deadlines"]}
    assert shown == {"filing": False, "submission_to_finance": True, "finance": True}
    assert len(refund.seen.of("refund.sla.breached.v1", form_id=form_id)) == 2


async def test_waiting_on_the_customer_pauses_the_clock(refund: Refund) -> None:
    form = await refund.file()
    form_id = form["form_id"]
    waiting = await refund.call(
        "POST",
        f"/refunds/forms/{form_id}/customer-wait",
        "agent",
        {"waiting": True, "note": "等客户提供银行流水"},
    )
    assert waiting["waiting_customer"] is True
    due = next(d for d in waiting["deadlines"] if d["step"] == "submission_to_finance")
    assert due["paused"]
    refund.clock.advance(hours=3)
    await refund.call(
        "POST", f"/refunds/forms/{form_id}/customer-wait", "agent", {"waiting": False}
    )
    resumed = await refund.form(form_id)
    after = next(d for d in resumed["deadlines"] if d["step"] == "submission_to_finance")
    assert not after["paused"] and after["breached_at"] is None
    assert after["due_at"] > due["due_at"]
    assert refund.seen.of("refund.sla.breached.v1", form_id=form_id) == []


def due_values() -> dict[tuple[str, str], float]:
    from services.refund.background import STEPS_DUE

    return {
        (str(o.attributes["kefu.step"]), str(o.attributes["kefu.window"])): float(o.value)
        for o in STEPS_DUE.observe(None)  # type: ignore[arg-type]
        if o.attributes is not None
    }


async def test_the_steps_due_gauge_counts_open_limits(refund: Refund) -> None:
    from services.refund.background import sample_steps_due

    deps = refund.app.state.deps
    refund.clock.advance(minutes=55)  # earlier forms: overdue already; new ones come next
    await sample_steps_due(deps)
    before = due_values()
    await refund.file()
    await refund.file()
    refund.clock.advance(minutes=55)
    await sample_steps_due(deps)
    soon = due_values()
    assert soon[("submission_to_finance", "due_soon")] >= 2
    refund.clock.advance(minutes=10)
    await sample_steps_due(deps)
    later = due_values()
    key = ("submission_to_finance", "overdue")
    # a breached limit counts as overdue until its step is done
    assert later[key] >= before.get(key, 0) + 2


async def breached_at(refund: Refund, form_id: str, step: str) -> object:
    return await refund.pool.fetchval(
        "SELECT breached_at FROM refund_form_deadlines WHERE form_id = $1 AND step = $2",
        form_id,
        step,
    )


async def test_a_limit_brought_forward_wakes_the_sleeping_sweep(refund: Refund) -> None:
    # the sweep sleeps until the earliest limit (an hour out) or its backstop (a minute);
    # a limit made due now, written from outside the service, tells it by the trigger
    form = await refund.file()
    form_id = form["form_id"]
    await asyncio.sleep(0.5)  # the sweep has planned its sleep after the filing woke it
    await refund.pool.execute(
        "UPDATE refund_form_deadlines SET due_at = $2"
        " WHERE form_id = $1 AND step = 'submission_to_finance'",
        form_id,
        refund.clock() - timedelta(seconds=1),
    )
    await eventually(
        lambda: breached_at(refund, form_id, "submission_to_finance"),
        within=10,
        what="the limit brought forward breached",
    )


async def test_moving_the_clock_wakes_the_sleeping_sweep(refund: Refund) -> None:
    form = await refund.file()
    form_id = form["form_id"]
    await asyncio.sleep(0.5)  # asleep until the limit, an hour by the service's clock
    refund.clock.advance(minutes=61)
    await eventually(
        lambda: breached_at(refund, form_id, "submission_to_finance"),
        within=10,
        what="the limit breached once the clock moved past it",
    )
