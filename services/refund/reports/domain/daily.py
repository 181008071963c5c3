"""Daily fault statistics (故障统计表): the day's refund forms by cause, and what finance did.

The seed asks each shift to keep the day's table up to date; here it is computed from
the forms whenever it is asked for, so it is never out of date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.refund.reports.domain.finance import FINANCE_STEPS, StepEvent
from services.refund.reports.domain.monthly import FormRecord

CAUSES = ("no_order_no", "order_conflict", "payment_timeout", "other")
CAUSE_WORDS = {
    "no_order_no": "扣款成功未收到订单号或出票验证码",
    "order_conflict": "订单冲突",
    "payment_timeout": "支付成功但支付超时",
    "other": "其他",
}


@dataclass(frozen=True)
class CauseLine:
    cause: str
    label: str
    forms: int
    amount_cents: int


@dataclass(frozen=True)
class Count:
    forms: int
    amount_cents: int


@dataclass(frozen=True)
class DailyFaults:
    day: date
    by_cause: list[CauseLine]
    filed: Count
    submitted_to_finance: Count
    paid: Count
    sent_back_by_finance: Count
    sla_breaches: int


def _count(events: list[StepEvent], amounts: dict[str, int]) -> Count:
    forms = {e.form_id for e in events}
    return Count(len(forms), sum(amounts.get(f, 0) for f in forms))


def daily_faults(
    day: date,
    filed: Iterable[tuple[FormRecord, str]],
    events: Iterable[StepEvent],
    amounts: dict[str, int],
    sla_breaches: int,
) -> DailyFaults:
    """``filed``: the forms filed that day with their cause; ``events``: the day's steps of
    any form, ``amounts`` the amount of each form they name."""
    filed_forms = list(filed)
    lines = []
    for cause in CAUSES:
        mine = [f for f, c in filed_forms if c == cause]
        lines.append(
            CauseLine(cause, CAUSE_WORDS[cause], len(mine), sum(f.amount_cents for f in mine))
        )
    day_events = list(events)
    submitted = [
        e for e in day_events if e.step == "finance_submission" and e.decision == "approved"
    ]
    paid = [e for e in day_events if e.step == "paid"]
    sent_back = [e for e in day_events if e.step in FINANCE_STEPS and e.decision == "sent_back"]
    return DailyFaults(
        day=day,
        by_cause=lines,
        filed=Count(len(filed_forms), sum(f.amount_cents for f, _ in filed_forms)),
        submitted_to_finance=_count(submitted, amounts),
        paid=_count(paid, amounts),
        sent_back_by_finance=_count(sent_back, amounts),
        sla_breaches=sla_breaches,
    )
