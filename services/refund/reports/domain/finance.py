"""What finance did with the forms during a period, from the forms' step records.

The seed's three lists of a handover (订单分类):
* handled by finance (财务已处理): finance gave its result, the refund paid or its payout
  failed for good (未入帐);
* submitted to finance (已提交财务): the duty lead submitted it during the shift;
* sent back by finance (财务退回): a cashier, accountant or finance director returned it,
  with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FINANCE_STEPS = frozenset(
    {"cashier_check", "accountant_review", "director_approval", "second_approval"}
)
STEP_WORDS = {
    "lead_check": "值班负责人审核",
    "tech_verification": "技术部核实",
    "finance_submission": "提交财务",
    "cashier_check": "出纳核实",
    "accountant_review": "会计复核",
    "director_approval": "财务总监审批",
    "second_approval": "大额复核",
    "paid": "已退款",
    "payout_failed": "退款失败",
}


@dataclass(frozen=True)
class StepEvent:
    form_id: str
    step: str
    decision: str
    opinion: str
    executor: str
    at: datetime


@dataclass(frozen=True)
class FormFacts:
    form_id: str
    order_no: str
    phone: str
    amount_cents: int
    bank: str
    state: str


@dataclass(frozen=True)
class FormLine:
    """One form in a handover list: 文件编号, 手机号, 金额, 银行, and the result or reason."""

    form_id: str
    order_no: str
    phone: str
    amount_cents: int
    bank: str
    at: datetime
    by: str
    result: str
    reason: str | None = None


@dataclass(frozen=True)
class FinanceLists:
    handled: list[FormLine]
    submitted: list[FormLine]
    sent_back: list[FormLine]


def _line(form: FormFacts, event: StepEvent, result: str, reason: str | None = None) -> FormLine:
    return FormLine(
        form.form_id,
        form.order_no,
        form.phone,
        form.amount_cents,
        form.bank,
        event.at,
        event.executor,
        result,
        reason,
    )


def classify(events: list[StepEvent], forms: dict[str, FormFacts]) -> FinanceLists:
    """The three lists from the step events of one period (in time order)."""
    handled: list[FormLine] = []
    submitted: list[FormLine] = []
    sent_back: list[FormLine] = []
    for event in sorted(events, key=lambda e: e.at):
        form = forms.get(event.form_id)
        if form is None:
            continue
        if event.step == "finance_submission" and event.decision == "approved":
            submitted.append(_line(form, event, STEP_WORDS["finance_submission"]))
        elif event.step in FINANCE_STEPS and event.decision == "sent_back":
            sent_back.append(_line(form, event, STEP_WORDS[event.step], event.opinion or None))
        elif event.step in ("paid", "payout_failed"):
            handled.append(_line(form, event, STEP_WORDS[event.step], event.opinion or None))
    return FinanceLists(handled, submitted, sent_back)
