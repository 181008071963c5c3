"""Messages in the browser: the duty lead's code look-up (and the agent refused it), the SMS
log, and an announcement published by an operations supervisor on the public board."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.console.conftest import SignIn, screenshot
from tests.e2e.helpers import Agent, phone
from tests.infra import eventually

pytestmark = pytest.mark.e2e
N = "/api/v1/notify"


async def test_the_duty_lead_reads_the_latest_code_and_an_agent_is_refused(
    sign_in: SignIn, agent: Agent
) -> None:
    number = phone()
    while number.endswith(("0000", "0001", "0002", "0003")):  # the sandbox's failing numbers
        number = phone()
    sent = await agent.post(f"{N}/verification-codes", {"phone": number, "purpose": "login"})
    assert sent.status_code == 201, sent.text

    async def logged() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await agent.get(f"{N}/sms", phone=number)).json()["items"]
        return items if items and items[0]["status"] == "sent" else None

    await eventually(logged, what="the code's SMS in the log")

    page = await sign_in("agent")
    menu = page.get_by_role("navigation", name="menu")
    await expect(menu).to_contain_text("短信记录")
    await expect(menu).not_to_contain_text("验证码查询")
    await page.goto(f"/messages/sms?phone={number}")
    rows = page.locator(".ant-table-tbody tr.ant-table-row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(f"{number[:3]}****{number[-4:]}")
    await expect(rows.first).to_contain_text("已发送")
    await screenshot(page, "sms-log")
    await page.goto("/messages/code-lookup")
    await expect(page.get_by_text("您的角色暂无可用的功能")).to_be_visible()

    await page.get_by_role("button", name="退出登录").click()
    page = await sign_in("lead")
    await page.get_by_role("link", name="验证码查询").click()
    await expect(page.get_by_role("heading", name="查询最新验证码")).to_be_visible()
    await page.get_by_label("手机号").fill(number)
    await page.get_by_role("button", name="查询验证码").click()
    code = page.get_by_test_id("latest-code")
    await expect(code).to_have_text(re.compile(r"^\d{4,8}$"))
    await expect(page.get_by_text("lead ·")).to_be_visible()
    await screenshot(page, "code-lookup")
    check = await agent.post(
        f"{N}/verification-codes/check",
        {"phone": number, "purpose": "login", "code": await code.inner_text()},
    )
    assert check.json()["valid"] is True, check.text


async def test_an_announcement_published_appears_on_the_public_board(
    sign_in: SignIn, page: Page
) -> None:
    title = f"春节服务时间调整 {uuid.uuid4().hex[:6]}"
    await sign_in("ops")
    await page.get_by_role("link", name="公告管理").click()
    await page.get_by_role("button", name="新建公告").click()
    editor = page.get_by_role("dialog")
    await editor.get_by_role("button", name="保存草稿").click()
    await expect(editor).to_contain_text("请输入标题")
    await editor.get_by_label("标题").fill(title)
    await editor.get_by_label("内容").fill("2月4日至2月10日客服热线服务时间为9:00-18:00。")
    await editor.get_by_role("button", name="预览").click()
    await expect(page.get_by_role("dialog").last).to_contain_text("客服热线服务时间")
    await page.get_by_role("dialog").last.get_by_role("button", name="Close").click()
    await editor.get_by_role("button", name="保存草稿").click()
    row = page.locator("tr", has_text=title)
    await expect(row).to_contain_text("草稿")
    await screenshot(page, "announcements")
    await row.get_by_role("button", name="发布").click()
    await expect(row).to_contain_text("已发布")

    await page.get_by_role("button", name="退出登录").click()
    await page.goto("/board")
    await expect(page.get_by_role("article").filter(has_text=title)).to_be_visible()
    await screenshot(page, "board")
