"""The refund forms of ``kefu demo``: one waiting at each step of the approval chain,
one filed late (its filing limit overdue), one sent back, one paid, one whose payout fails.

The agent files each form as the customer complains, so its complaint time is the
clock's; a form is looked up by its order number (the seed's) before it is filed (one
form per order), and the chain's steps replay under their keys on a second run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.devstack.demo.staff import Staff

F = "/api/v1/refunds/forms"
CHAIN = (
    ("lead-check", "lead"),
    ("tech-verification", "tech"),
    ("finance-submission", "lead2"),  # not the lead who checked it: separation of duties
    ("cashier-check", "cashier"),
    ("accountant-review", "accountant"),
    ("director-approval", "director"),
)
# (what it shows, steps approved, amount in cents, minutes since the complaint, sent back)
FORMS: tuple[tuple[str, int, int, int, bool], ...] = (
    ("refund form filed late (filing limit overdue)", 0, 12_800, 130, False),
    ("refund form awaiting the technical verification", 1, 8_800, 4, False),
    ("refund form awaiting the submission to finance", 2, 5_000, 4, False),
    ("refund form awaiting the cashier", 3, 19_900, 4, False),
    ("refund form awaiting the accountant", 4, 2_000, 4, False),
    ("refund form awaiting the finance director", 5, 66_600, 4, False),
    ("refund form paid, customer told by SMS", 6, 8_800, 4, False),
    ("refund form whose payout fails (amount ending .99)", 6, 6_699, 4, False),
    ("refund form sent back to the agent", 0, 3_000, 4, True),
)
STAFF_STEPS = sum(1 + steps + (1 if back else 0) for _, steps, _, _, back in FORMS)


def order_no(seed: int, index: int) -> str:
    """The same order for a seed on every run: the form is found, not filed again."""
    return f"TK{seed % 10**6:06d}{index:04d}"


def _form_body(order: str, index: int, amount: int, minutes: int) -> dict[str, Any]:
    complained = datetime.now(UTC) - timedelta(minutes=minutes)
    return {
        "order_no": order,
        "purchased_at": (complained - timedelta(hours=2)).isoformat(timespec="minutes"),
        "bank": "招商银行",
        "amount_cents": amount,
        "paid_cents": amount,
        "phone": f"1580000{index:04d}",
        "fault": "支付成功但出票超时",
        "cause": "payment_timeout",
        "customer_opinion": "退回原卡",
        "complaint_at": complained.isoformat(),
        "customer_name": "陈先生",
    }


async def file_or_find(staff: Staff, order: str, body: dict[str, Any]) -> str:
    found = await staff.found("agent", F, order_no=order)
    if found:
        staff.steps.done()
        return str(found[0]["form_id"])
    staff.steps.now(f"filing refund form {order}")
    filed = await staff.send("agent", f"refund: file {order}", F, body)
    return str(filed["form_id"])


async def refund_staff(staff: Staff, *, seed: int) -> dict[str, str]:
    shown: dict[str, str] = {}
    for index, (what, approved, amount, minutes, back) in enumerate(FORMS):
        order = order_no(seed, index)
        form_id = await file_or_find(staff, order, _form_body(order, index, amount, minutes))
        for path, who in CHAIN[:approved]:
            await staff.send(
                who, f"refund: {path} of {order}", f"{F}/{form_id}/{path}", {"opinion": "同意"}
            )
        if back:
            await staff.send(
                "lead",
                f"refund: send back {order}",
                f"{F}/{form_id}/lead-check",
                {"decision": "send_back", "opinion": "请补充银行流水号"},
            )
        shown[what] = form_id
    return shown
