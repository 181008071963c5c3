"""Refund forms in the browser (seed 003): a form walked through every step by the demo users,
with a send-back on the way, each user seeing only the actions the API offers them; and an
overdue form marked in the duty lead's queue."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from playwright.async_api import Page, expect

from shared.devstack.stack import Stack
from tests.e2e.console.conftest import SignIn, screenshot
from tests.e2e.helpers import Agent
from tests.infra import eventually

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONFIRM = re.compile(r"^确\s*定$")
APPROVE_BUTTONS = re.compile(r": 同意$")


def _local(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


async def _open_from_queue(page: Page, order_no: str) -> None:
    await page.goto("/refunds/queue")
    await page.get_by_label(f"办理 {order_no}").click()
    await expect(page.get_by_role("heading", name=re.compile(order_no))).to_be_visible()


async def _only_button(page: Page, name: str) -> None:
    """The one approve button on the page is this user's step: no other step is offered."""
    approve = page.get_by_role("button", name=APPROVE_BUTTONS)
    await expect(approve).to_have_count(1)
    await expect(approve).to_have_text(name)


async def _decide(page: Page, step: str, decision: str, comment: str) -> None:
    await page.get_by_role("button", name=f"{step}: {decision}").click()
    dialog = page.get_by_role("dialog")
    if comment:
        await dialog.get_by_label("意见").fill(comment)
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()


async def _step(
    sign_in: SignIn, user: str, order_no: str, step: str, state_after: str | re.Pattern[str]
) -> Page:
    page = await sign_in(user)
    await _open_from_queue(page, order_no)
    await _only_button(page, f"{step}: 同意")
    await _decide(page, step, "同意", "核实无误")
    await expect(page.get_by_test_id("form-state")).to_have_text(state_after)
    return page


async def test_a_form_walks_every_step_with_a_send_back_each_user_seeing_only_their_actions(
    sign_in: SignIn, agent: Agent
) -> None:
    order_no = f"TK{uuid.uuid4().hex[:12].upper()}"
    now = datetime.now(UTC)
    page = await sign_in("agent")
    await page.goto("/refunds/forms")
    await page.get_by_role("button", name="新建退款单").click()
    dialog = page.get_by_role("dialog")
    fields = {
        "订单号": order_no,
        "客户姓名": "张先生",
        "手机号": "13800138000",
        "银行": "工商银行",
        "订单实付金额": "128.00",
        "退款金额": "128.00",
        "购买时间": _local(now - timedelta(hours=2)),
        "投诉时间": _local(now - timedelta(minutes=2)),
        "故障现象": "支付成功但订单未生成",
        "客户意见": "退回原卡",
    }
    for label, value in fields.items():
        await dialog.get_by_label(label, exact=True).fill(value)
    await screenshot(page, "refund-new-form")
    await dialog.get_by_role("button", name=re.compile(r"^提\s*交$")).click()
    await expect(page.get_by_test_id("form-state")).to_have_text("待值班负责人审核")
    form_id = page.url.rsplit("/", 1)[1]
    # The agent filed it: no step of it is theirs to decide, and the API says why.
    await expect(page.get_by_role("button", name=APPROVE_BUTTONS)).to_have_count(0)
    await expect(page.get_by_test_id("step-refusal")).to_be_visible()
    # Waiting on the customer pauses the time limits; their answer starts them again.
    await page.get_by_role("button", name="等待客户（暂停时限）").click()
    await page.get_by_role("button", name="客户已回复（恢复时限）").click()
    await expect(page.get_by_role("button", name="等待客户（暂停时限）")).to_be_visible()
    timeline = page.get_by_role("table", name="审批记录").locator("tbody tr")
    await expect(timeline.filter(has_text="等待客户")).to_have_count(1)
    await expect(timeline.filter(has_text="客户已回复")).to_have_count(1)
    steps = (await agent.get(f"/api/v1/refunds/forms/{form_id}")).json()["steps"]
    waits = [s["step"] for s in steps]
    assert waits[-2:] == ["waiting_customer", "customer_replied"], waits

    await _step(sign_in, "lead", order_no, "值班负责人审核", "待技术核实")
    await _step(sign_in, "tech", order_no, "技术核实", "待提交财务")

    # The second duty lead sends it back: a comment is required.
    page = await sign_in("lead2")
    await _open_from_queue(page, order_no)
    await _only_button(page, "提交财务: 同意")
    await page.get_by_role("button", name="提交财务: 退回").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("button", name=CONFIRM)).to_be_disabled()
    await dialog.get_by_label("意见").fill("银行名称与客户提供的不一致，请核对")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(page.get_by_test_id("form-state")).to_have_text("已退回")

    # The agent corrects and resubmits from their queue.
    page = await sign_in("agent")
    await _open_from_queue(page, order_no)
    await expect(page.get_by_role("button", name=APPROVE_BUTTONS)).to_have_count(0)
    await page.get_by_role("button", name="修改后重新提交").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("操作原因").fill("已与客户核对银行名称")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(page.get_by_test_id("form-state")).to_have_text("待值班负责人审核")

    await _step(sign_in, "lead", order_no, "值班负责人审核", "待技术核实")
    await _step(sign_in, "tech", order_no, "技术核实", "待提交财务")

    # The lead who checked it may not also submit it: no button, and the API's reason.
    page = await sign_in("lead")
    await page.goto(f"/refunds/forms/{form_id}")
    await expect(page.get_by_test_id("form-state")).to_have_text("待提交财务")
    await expect(page.get_by_role("button", name=APPROVE_BUTTONS)).to_have_count(0)
    await expect(page.get_by_test_id("step-refusal")).to_contain_text("同一人不能办理两个环节")
    await screenshot(page, "refund-form-refusal")

    await _step(sign_in, "lead2", order_no, "提交财务", "待出纳审核")
    await _step(sign_in, "cashier", order_no, "出纳审核", "待会计复核")
    await _step(sign_in, "accountant", order_no, "会计复核", "待财务总监审批")
    # the sandbox may pay before the page is read again
    page = await _step(sign_in, "director", order_no, "财务总监审批", re.compile("付款中|已完成"))

    # Paid by the payout worker; the timeline holds both rounds in order, send-back included.
    async def paid() -> bool:
        answer = await agent.get(f"/api/v1/refunds/forms/{form_id}")
        return bool(answer.json()["state"] == "completed")

    await eventually(paid, within=60, what="the form paid")
    await page.reload()
    await expect(page.get_by_test_id("form-state")).to_have_text("已完成")
    answer = (await agent.get(f"/api/v1/refunds/forms/{form_id}")).json()
    decided = [(s["round"], s["step"], s["decision"], s["executor"]) for s in answer["steps"]]
    assert ("1", "finance_submission", "sent_back", "lead2") in [
        (str(r), st, d, e) for r, st, d, e in decided
    ]
    rows = page.get_by_role("table", name="审批记录").locator("tbody tr")
    sent_back = rows.filter(has_text="银行名称与客户提供的不一致")
    await expect(sent_back).to_have_count(1)
    await expect(sent_back).to_contain_text("lead2")
    await expect(rows.filter(has_text="已与客户核对银行名称")).to_have_count(1)
    await screenshot(page, "refund-form-detail")


async def test_an_overdue_form_is_marked_in_the_duty_leads_queue(
    sign_in: SignIn, agent: Agent, stack: Stack
) -> None:
    now = datetime.now(UTC)
    order_no = f"TK{uuid.uuid4().hex[:12].upper()}"
    filed = await agent.client.post(
        "/api/v1/refunds/forms",
        json={
            "order_no": order_no,
            "purchased_at": (now - timedelta(hours=2)).isoformat(),
            "bank": "招商银行",
            "amount_cents": 5000,
            "paid_cents": 5000,
            "phone": "15800158000",
            "fault": "支付超时",
            "cause": "payment_timeout",
            "customer_opinion": "退回原卡",
            "complaint_at": (now - timedelta(minutes=3)).isoformat(),
            "customer_name": "李女士",
        },
    )
    assert filed.status_code == 201, filed.text
    form_id = filed.json()["form_id"]
    # An hour passes: the submission limit's due time is moved into the past, and the
    # service's own sweep (every second) finds it breached, as it would an hour later.
    db = await asyncpg.connect(stack.settings.database_url_for("refund"))
    try:
        await db.execute(
            "UPDATE refund_form_deadlines SET due_at = now() - interval '1 minute'"
            " WHERE form_id = $1 AND step = 'submission_to_finance'",
            form_id,
        )
    finally:
        await db.close()

    async def breached() -> bool:
        answer = await agent.get(f"/api/v1/refunds/forms/{form_id}")
        return any(
            d["step"] == "submission_to_finance" and d["breached_at"]
            for d in answer.json()["deadlines"]
        )

    await eventually(breached, within=30, what="the sweep marks the limit breached")
    page = await sign_in("lead")
    await page.goto("/refunds/queue")
    row = page.locator("tr", has=page.get_by_label(f"办理 {order_no}"))
    await expect(row.get_by_test_id("overdue")).to_contain_text("已超时")
    await expect(page.get_by_test_id("queue-count")).to_be_visible()
    await screenshot(page, "refund-queue")
