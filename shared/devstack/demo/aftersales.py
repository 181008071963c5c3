"""After-sales in ``kefu demo``: sellers at each activation outcome, tickets at each.

A reviewer files each seller's activation and an operations supervisor decides it;
the agent opens the tickets of the approved seller, the reviewer and the processor
take each as far as its outcome. Sellers and tickets are looked up before they are
made, so a second run finds them.
"""

from __future__ import annotations

import base64
from typing import Any

from shared.devstack.demo.staff import Staff

A = "/api/v1/aftersales"
SELLERS = (("S10001", "approve"), ("S10002", None), ("S10003", "reject"))
_ADDRESS = {
    "province": "浙江省", "city": "杭州市", "district": "西湖区", "street": "文三路478号",
    "contact_name": "李四", "contact_phone": "13900139000",
}  # fmt: skip
_PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
Step = tuple[str, str, dict[str, Any] | None]  # who, action path, body
# (outcome shown, service type, description, the steps after opening)
TICKETS: tuple[tuple[str, str, str, tuple[Step, ...]], ...] = (
    ("awaiting_review", "exchange", "尺码不合适，想换大一号", ()),
    ("awaiting_customer", "repair", "耳机左耳无声", (
        ("reviewer", "review", {"outcome": "await_customer", "reason": "请补充购买凭证照片"}),
    )),
    ("awaiting_receipt", "return", "收到商品外包装破损", (
        ("reviewer", "review", {"outcome": "approve_shipment"}),
    )),
    ("awaiting_processing", "exchange", "颜色与页面不符", (
        ("reviewer", "review", {"outcome": "approve_shipment"}),
        ("processor", "receive", None),
    )),
    ("completed", "return", "七天无理由退货", (
        ("reviewer", "review", {"outcome": "approve_shipment"}),
        ("processor", "receive", None),
        ("processor", "process", {"result": "refunded"}),
    )),
    ("rejected", "return", "使用三个月后要求退货", (
        ("reviewer", "review", {"outcome": "reject", "reason": "已超过七天无理由退货期"}),
    )),
    ("closed", "repair", "充电盒无法充电", (
        ("reviewer", "review", {"outcome": "customer_gave_up"}),
    )),
)  # fmt: skip
STAFF_STEPS = (
    sum(1 + (1 if decision else 0) for _, decision in SELLERS)
    + 1  # the processor joins the approved seller's staff
    + sum(1 + len(steps) for *_, steps in TICKETS)
)


async def _seller(staff: Staff, seller: str, decision: str | None) -> None:
    known = await staff.get("reviewer", f"{A}/activations/{seller}")
    if known.status_code == 200:
        staff.steps.done(1 + (1 if decision else 0))
        return
    body = {"seller_id": seller, "return_address": _ADDRESS}
    await staff.send("reviewer", f"after-sales: {seller} applies", f"{A}/activations", body)
    if decision is not None:
        review: dict[str, Any] = {"decision": decision}
        if decision == "reject":
            review["reason"] = "退货地址不完整"
        await staff.send(
            "ops", f"after-sales: {decision} {seller}", f"{A}/activations/{seller}/review", review
        )


async def aftersales_staff(staff: Staff, *, seed: int) -> dict[str, str]:
    for seller, decision in SELLERS:
        await _seller(staff, seller, decision)
    seller = SELLERS[0][0]
    # Staff see only the sellers they serve (seed 002): the seller's main account (the
    # reviewer, who applied for its activation) lets the processor handle its tickets.
    await staff.send(
        "reviewer",
        f"after-sales: processor joins {seller}",
        f"{A}/sellers/{seller}/staff/processor",
        {"permissions": ["process"]},
        method="PUT",
    )
    shown: dict[str, str] = {}
    for index, (outcome, service_type, description, steps) in enumerate(TICKETS):
        application = f"APP{seed % 10**6:06d}{index:03d}"
        found = await staff.found("reviewer", f"{A}/tickets", application_no=application)
        if found:
            shown[outcome] = str(found[0]["id"])
            staff.steps.done(1 + len(steps))
            continue
        body = {
            "seller_id": seller,
            "application_no": application,
            "order_no": f"O{seed % 10**6:06d}{index:03d}",
            "customer_id": f"U{10001 + index}",
            "service_type": service_type,
            "description": description,
            "images": [{"filename": "photo.png", "content_type": "image/png", "data_base64": _PNG}],
        }
        opened = await staff.send("agent", f"after-sales: open {application}", f"{A}/tickets", body)
        ticket = opened["id"]
        for who, action, step_body in steps:
            await staff.send(
                who,
                f"after-sales: {action} {application}",
                f"{A}/tickets/{ticket}/{action}",
                step_body,
            )
        shown[outcome] = str(ticket)
    return shown
