"""Signing in, the menu each role sees, and the return to sign-in when the token expires."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from services.gateway.tokens import Tokens
from shared.devstack.stack import Stack
from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.console.conftest import SignIn, screenshot

pytestmark = pytest.mark.e2e


async def test_sign_in_and_a_wrong_password(page: Page) -> None:
    await page.goto("/vouchers?phone=13800138000")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await screenshot(page, "sign-in")
    await page.get_by_label("账号").fill("agent")
    await page.get_by_label("密码").fill("not-the-password")
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("账号或密码错误")
    await expect(page).to_have_url(re.compile(r"/login"))

    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_test_id("user-name")).to_have_text("agent")
    await expect(page.get_by_label("角色")).to_contain_text("agent")
    await expect(page).to_have_url(re.compile(r"/vouchers\?phone=13800138000$"))
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/login$"))


async def test_a_refused_sign_in_leaves_the_button_named_as_before(page: Page) -> None:
    """A button's spinner leaves with a CSS transition that can end unseen (a quick answer
    on a loaded machine): with the page's animations frozen it never ends, and the button
    is still named 登录 once the refusal shows, not "loading 登录"."""
    await page.goto("/login")
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Animation.enable")
    await cdp.send("Animation.setPlaybackRate", {"playbackRate": 0})
    await page.get_by_label("账号").fill("agent")
    await page.get_by_label("密码").fill("not-the-password")
    button = page.get_by_role("button", name="登录", exact=True)
    await button.click()
    await expect(page.get_by_role("alert")).to_contain_text("账号或密码错误")
    await expect(button).to_be_enabled()


async def test_the_admin_menu_offers_no_voucher_screen_nor_action(sign_in: SignIn) -> None:
    page = await sign_in("admin")
    menu = page.get_by_role("navigation", name="menu")
    await expect(menu).to_contain_text("公告栏")
    await expect(menu).not_to_contain_text("券查询")
    await page.goto("/vouchers")
    await expect(page.get_by_text("您的角色暂无可用的功能")).to_be_visible()
    await expect(page.get_by_role("button", name="作废")).to_have_count(0)
    await expect(page.get_by_role("button", name="返销")).to_have_count(0)


async def test_an_expired_token_returns_to_sign_in_and_back(sign_in: SignIn, stack: Stack) -> None:
    page = await sign_in("agent")
    await page.goto("/vouchers?phone=13900000000")
    await expect(page.get_by_label("手机号")).to_have_value("13900000000")
    assert stack.secrets is not None
    past = datetime.now(UTC) - timedelta(hours=2)
    expired = Tokens(stack.secrets.jwt_secret, timedelta(minutes=1)).issue(
        "agent", frozenset({"agent"}), past
    )
    session = {"token": expired.access_token, "expiresAt": 4102444800000}
    await page.evaluate(f"localStorage.setItem('kefu.session', {json.dumps(json.dumps(session))})")
    await page.get_by_label("手机号").fill("13900000001")
    await page.get_by_role("button", name="查询", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/login\?expired=1&next="))
    await expect(page.get_by_text("登录已过期，请重新登录")).to_be_visible()

    await page.get_by_label("账号").fill("agent")
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/vouchers\?phone=13900000001$"))
