"""Seed 000 in the browser: find vouchers, open one, void and reverse with a reason, retry.

Orders come in as the exchange platform sends them (Kafka); what the page shows is checked
against the API as well (one operation recorded, not two).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from shared.masking import mask_phone
from tests.e2e.console.conftest import SignIn, screenshot
from tests.e2e.helpers import Agent, Platform, order, phone
from tests.infra import eventually

pytestmark = pytest.mark.e2e


async def _open(page: Page, code: str) -> None:
    await page.get_by_role("button", name=f"查看详情 {code}").click()
    await expect(page.get_by_role("dialog").get_by_text(code).first).to_be_visible()


async def _act(page: Page, button: str, reason: str) -> None:
    drawer = page.get_by_role("dialog").first
    await drawer.get_by_role("button", name=button, exact=True).click()
    confirm = page.get_by_role("dialog").last.get_by_role("button", name="确定")
    await expect(confirm).to_be_disabled()
    await page.get_by_label("操作原因").fill(reason)
    await confirm.click()


async def test_an_agent_finds_a_customers_vouchers_by_phone_and_by_order_number(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    customer = phone()
    now = datetime.now(UTC)
    older = order(vouchers=2, user_phone=customer, exchanged_at=now - timedelta(days=2))
    newer = order(vouchers=1, user_phone=customer, exchanged_at=now - timedelta(hours=1))
    for issued in (older, newer):
        await platform.issue(issued)
        await agent.arrived(issued)
    page = await sign_in("agent")
    await page.get_by_role("link", name="券查询").click()
    await expect(page.get_by_text("输入查询条件后点击查询")).to_be_visible()
    await page.get_by_label("手机号").fill(customer)
    await page.get_by_role("button", name="查询", exact=True).click()
    await expect(page).to_have_url(re.compile(rf"phone={customer}"))
    rows = page.locator(".ant-table-tbody tr.ant-table-row")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text(newer.merchant_order_no)  # newest first
    await expect(rows.first).to_contain_text("¥10.00")
    await expect(rows.first).to_contain_text("泡泡")
    assert customer not in await page.locator(".ant-table").inner_text(), "a full phone number"
    await screenshot(page, "vouchers")

    await page.get_by_role("button", name="重置").click()
    await page.get_by_label("商户订单号").fill(older.merchant_order_no)
    await page.get_by_role("button", name="查询", exact=True).click()
    await expect(rows).to_have_count(2)
    first, second = (v.code for v in older.vouchers)
    await _open(page, first)
    drawer = page.get_by_role("dialog").first
    await expect(drawer).to_contain_text(mask_phone(customer))
    assert customer not in await drawer.inner_text(), "a full phone number in the detail"
    await expect(drawer.get_by_label("同订单的券")).to_contain_text(second)
    await expect(drawer.get_by_label("操作记录")).to_contain_text("该券暂无操作记录")
    await expect(page).to_have_url(re.compile(rf"open={first}"))
    await screenshot(page, "voucher-detail")
    await page.go_back()  # Back closes the drawer and keeps the search
    await expect(rows).to_have_count(2)
    await expect(page.get_by_label("商户订单号")).to_have_value(older.merchant_order_no)


async def test_no_void_nor_reversal_on_a_used_voucher_and_no_reversal_of_telecom_points(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    used = order(vouchers=1)
    telecom = order(vouchers=1, source="telecom_points")
    for issued in (used, telecom):
        await platform.issue(issued)
        await agent.arrived(issued)
    code = used.vouchers[0].code
    await platform.redeem(code)

    async def redeemed() -> bool:
        return bool((await agent.voucher(code))["status"] == "used")

    await eventually(redeemed, what="the voucher used")
    page = await sign_in("agent")
    await page.goto(f"/vouchers?code={code}")
    await _open(page, code)
    drawer = page.get_by_role("dialog").first
    await expect(drawer).to_contain_text("已使用")
    await expect(drawer.get_by_role("button", name="作废", exact=True)).to_have_count(0)
    await expect(drawer.get_by_role("button", name="返销", exact=True)).to_have_count(0)

    other = telecom.vouchers[0].code
    await page.goto(f"/vouchers?merchant_order_no={telecom.merchant_order_no}")
    await _open(page, other)
    drawer = page.get_by_role("dialog").first
    await expect(drawer).to_contain_text("通信积分")
    # Seed 000: a telecom-points order has no reversal interface; an available voucher is voidable.
    await expect(drawer.get_by_role("button", name="返销", exact=True)).to_have_count(0)
    await expect(drawer.get_by_role("button", name="作废", exact=True)).to_have_count(1)


async def test_a_reversal_with_a_reason_succeeds_and_the_points_notice_appears(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=2)
    await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    page = await sign_in("agent")
    await page.goto(f"/vouchers?merchant_order_no={issued.merchant_order_no}")
    await _open(page, code)
    await _act(page, "返销", "工单 20190105-0042：用户要求退还泡泡")
    result = page.get_by_test_id("operation-result")
    await expect(result).to_contain_text("操作成功", timeout=30_000)
    await expect(result).to_contain_text("泡泡已原路退回")
    await expect(page.get_by_label("操作记录")).to_contain_text("工单 20190105-0042")
    await screenshot(page, "reversal-succeeded")
    operations = await agent.operations(code)
    assert [(o["type"], o["result"]) for o in operations] == [("reversal", "succeeded")]
    after = await agent.vouchers(merchant_order_no=issued.merchant_order_no)
    assert {v["status"] for v in after} == {"voided"}


async def test_a_void_the_sandbox_refuses_shows_void_failed_and_retry(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=1, endings=("9999",))
    await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    page = await sign_in("agent")
    await page.goto(f"/vouchers?code={code}")
    await _open(page, code)
    await _act(page, "作废", "用户要求作废")
    result = page.get_by_test_id("operation-result")
    await expect(result).to_contain_text("作废失败", timeout=30_000)
    retry = result.get_by_role("button", name="重试")
    await expect(retry).to_be_visible()
    await result.scroll_into_view_if_needed()
    await screenshot(page, "void-failed")
    await retry.click()
    await expect(retry).to_be_enabled()
    await expect(result).to_contain_text("作废失败")

    async def two_attempts() -> list[dict[str, object]] | None:
        operations = await agent.operations(code)
        return operations if len(operations) == 2 else None

    operations = await eventually(two_attempts, what="the void and its retry recorded")
    assert {(o["type"], o["failure"]) for o in operations} == {("void", "void_failed")}


async def test_a_double_click_sends_one_command(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    issued = order(vouchers=1)
    await platform.issue(issued)
    await agent.arrived(issued)
    code = issued.vouchers[0].code
    page = await sign_in("agent")
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.headers.get("idempotency-key", "")) if r.method == "POST" else None,
    )
    await page.goto(f"/vouchers?code={code}")
    await _open(page, code)
    await page.get_by_role("dialog").first.get_by_role("button", name="作废", exact=True).click()
    await page.get_by_label("操作原因").fill("双击测试")
    await page.get_by_role("dialog").last.get_by_role("button", name="确定").dblclick()
    result = page.get_by_test_id("operation-result")
    await expect(result).to_contain_text("操作成功", timeout=30_000)
    assert len(sent) == 1 and sent[0], sent
    assert len(await agent.operations(code)) == 1
