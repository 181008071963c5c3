"""The refund service's background loops: durable timers swept, payouts paid, gauges read,
and its sub-areas' (after-sales tickets' sweep, the monthly reports' due notices).

Add a coroutine to :func:`background_tasks`; the composition root runs each with
``Platform.background`` and cancels it on shutdown. Each pass reads due work from the
database (``FOR UPDATE SKIP LOCKED``), so several replicas share it and a restart loses
nothing: nothing waits in memory. Between passes the sweeps sleep until their next timer
is due by the service's clock (shared.timers), woken by the tables' triggers when one is
set sooner (migration 0057), at most ``refund_timer_sweep_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from opentelemetry import metrics

from services.refund.aftersales import deps as aftersales
from services.refund.aftersales.domain.tickets import Stage, breach_step
from services.refund.aftersales.handlers.sweep import run_sweeps
from services.refund.deps import Deps
from services.refund.domain.deadlines import Limit
from services.refund.handlers import payouts, timers
from services.refund.reports import deps as reports
from services.refund.reports.handlers.due import run_notices
from services.refund.store import deadlines
from shared import metrics as kefu_metrics
from shared.observability.instruments import Gauge
from shared.timers import TimerSweep

CHANNEL = "refund_timers"
"""Notified by the time limits' and payouts' triggers (migration 0057)."""

log = logging.getLogger(__name__)

STEPS = [limit.value for limit in Limit]
STEPS_DUE = Gauge()
"""``kefu.refund.steps.due``: open time limits by step and window (due_soon, overdue)."""
_registered = False


def register_gauges() -> None:
    """Register the observable gauge once per process (its callback only reads memory), and
    put the time-limit breach counter at zero for every step that can miss one."""
    kefu_metrics.sla_steps_known([*STEPS, *map(breach_step, Stage)])
    global _registered
    if _registered:
        return
    _registered = True
    metrics.get_meter("kefu.refund").create_observable_gauge(
        "kefu.refund.steps.due",
        callbacks=[STEPS_DUE.observe],
        unit="{step}",
        description="Refund form steps with an open time limit: due soon, or overdue.",
    )


async def sample_steps_due(deps: Deps) -> None:
    now = deps.now()
    soon = now + timedelta(minutes=deps.settings.refund_due_soon_minutes)
    rows = await deadlines.due_counts(deps.pool, now, soon)
    # every step and window, 0 when none: an absent series would read as "no data"
    values = [
        (
            {"kefu.step": step, "kefu.window": window},
            float(rows[step][window] if step in rows else 0),
        )
        for step in STEPS
        for window in ("due_soon", "overdue")
    ]
    STEPS_DUE.replace(deps.source, values)


async def sweep(deps: Deps) -> int:
    """One pass: breaches recorded, due payouts paid; how many things it acted on."""
    acted = await timers.sweep_breaches(deps)
    acted += await payouts.pay_due(deps)
    return acted


async def run(deps: Deps) -> None:
    await TimerSweep.by_clock(
        deps.pool,
        "refund timers",
        lambda: sweep(deps),
        deadlines.next_due,
        clock=deps.clock,
        channel=CHANNEL,
        backstop=deps.settings.refund_timer_sweep_seconds,
    ).run()


async def sample_steps_due_forever(deps: Deps) -> None:
    """The steps-due gauge stays periodic: "due soon" and "overdue" change as time passes,
    not when a row is written, so nothing could tell it. It is read as often as the
    platform's other database gauges (``metrics_sample_seconds``)."""
    while True:
        try:
            await sample_steps_due(deps)
        except Exception:
            log.exception("reading the refund steps due failed; trying again")
        await asyncio.sleep(deps.settings.metrics_sample_seconds)


def background_tasks(
    deps: Deps, aftersales_context: aftersales.Context, reports_context: reports.Context
) -> list[Coroutine[Any, Any, None]]:
    register_gauges()
    gauges = [sample_steps_due_forever(deps)] if deps.settings.metrics else []
    return [
        run(deps),  # time limits breached, payouts paid
        *gauges,  # the steps-due gauge read
        run_sweeps(aftersales_context),  # tickets approved by the system, reminders
        run_notices(reports_context),  # the monthly statistics' due notices
    ]
