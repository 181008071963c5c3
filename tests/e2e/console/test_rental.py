"""Bike-rental customer service in the browser (seeds 001 and 004): a blacklist and restore,
a user detail offering exactly the API's actions, a top-up over the card limit refused in
words, a top-up verified by the SMS code the duty lead looked up (a wrong code refused
first), and a fund-flow CSV download whose totals match the page. The data comes in as the
bike platform sends it (its events through the broker), never written to a database."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.async_api import Page, expect

from shared.contracts import (
    RENTAL_FEEDBACK_SUBMITTED,
    RENTAL_INSURANCE_APPLIED,
    RENTAL_LOCK_STATE_REPORTED,
    RENTAL_PAYMENT_RECEIVED,
    RENTAL_TRIP_STARTED,
    RENTAL_USER_REGISTERED,
    FeedbackSubmitted,
    InsuranceApplied,
    LockStateReported,
    PaymentReceived,
    RentalPoint,
    TripStarted,
    UserRegistered,
)
from shared.devstack.stack import Stack
from tests.e2e.conftest import _signed_in
from tests.e2e.console.conftest import SignIn, screenshot
from tests.e2e.helpers import SHANGHAI, Agent, Platform, phone
from tests.infra import eventually

R = "/api/v1/rental"
CONFIRM = re.compile(r"^确\s*定$")
POINT = RentalPoint(
    point_id="P12",
    name="西湖断桥租赁点",
    latitude=Decimal("30.259244"),
    longitude=Decimal("120.1302"),
)
# The buttons of a user's detail page, by the API's action names.
USER_BUTTONS = {
    "status_fix": "用户状态修改",
    "blacklist": "拉黑",
    "restore_from_blacklist": "恢复（移出黑名单）",
    "delete": "删除",
    "restore": "恢复删除",
}


def two(label: str) -> re.Pattern[str]:
    """A two-character button's name: Ant Design spaces the two characters out."""
    return re.compile(rf"^{label[0]}\s*{label[1]}$")


def ident(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def lead(stack: Stack) -> AsyncIterator[Agent]:
    client = await _signed_in(stack, "lead")
    try:
        yield Agent(client)
    finally:
        await client.aclose()


async def registered(
    platform: Platform, agent: Agent, name: str = "赵六", number: str | None = None
) -> str:
    user = ident("u")
    await platform.publish(
        RENTAL_USER_REGISTERED,
        UserRegistered(
            event_id=ident("e"),
            user_id=user,
            phone=number or phone(),
            name=name,
            registered_at=datetime.now(UTC) - timedelta(days=2),
        ),
    )

    async def known() -> bool:
        return (await agent.get(f"{R}/users/{user}")).status_code == 200

    await eventually(known, within=30, what=f"user {user} registered")
    return user


async def renting(platform: Platform, agent: Agent, user: str, lock: str) -> str:
    now = datetime.now(UTC)
    bike, trip = ident("b"), ident("t")
    await platform.publish(
        RENTAL_TRIP_STARTED,
        TripStarted(
            event_id=ident("e"),
            trip_id=trip,
            user_id=user,
            bike_id=bike,
            started_at=now - timedelta(minutes=50),
            start_point=POINT,
        ),
    )
    await platform.publish(
        RENTAL_LOCK_STATE_REPORTED,
        LockStateReported(
            event_id=ident("e"), bike_id=bike, state=lock, reported_at=now - timedelta(minutes=1)
        ),
    )

    async def seen() -> bool:
        answer = await agent.get(f"{R}/orders/{trip}")
        return answer.status_code == 200 and answer.json()["bike"]["lock_state"] == lock

    await eventually(seen, within=30, what=f"order {trip} with its lock {lock}")
    return trip


async def buttons(page: Page) -> set[str]:
    area = page.get_by_test_id("user-actions")
    await expect(area).to_be_attached()
    return {(await b.inner_text()).replace(" ", "") for b in await area.get_by_role("button").all()}


async def offered(client: Agent, user: str) -> set[str]:
    actions = (await client.get(f"{R}/users/{user}")).json()["actions"]
    return {USER_BUTTONS[a].replace(" ", "") for a in actions}


async def test_an_agent_blacklists_a_user_and_restores_them(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    user = await registered(platform, agent)
    page = await sign_in("agent")
    await page.goto(f"/rental/users?user_id={user}")
    await page.get_by_label(f"查看详情 {user}").click()
    await expect(page.get_by_role("heading", name=re.compile(user))).to_be_visible()
    await expect(page.get_by_role("button", name="恢复（移出黑名单）")).to_have_count(0)

    await page.get_by_role("button", name=two("拉黑")).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("button", name=CONFIRM)).to_be_disabled()  # reason first
    await dialog.get_by_label("操作原因").fill("冒用他人身份租车，工单 20261206-0042")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()
    heading = page.get_by_role("heading", name=re.compile(user))
    await expect(heading).to_contain_text("已拉黑")
    await expect(page.get_by_role("button", name=two("拉黑"))).to_have_count(0)
    body = (await agent.get(f"{R}/users/{user}")).json()
    assert body["blacklisted"] and body["blacklisted_by"] == "agent"
    assert body["blacklist_reason"] == "冒用他人身份租车，工单 20261206-0042"
    await screenshot(page, "rental-user-detail")

    # The blacklist is one filter of the user list.
    await page.goto(f"/rental/users?blacklisted=true&user_id={user}")
    await expect(page.get_by_label(f"查看详情 {user}")).to_be_visible()
    await page.get_by_label(f"查看详情 {user}").click()

    await page.get_by_role("button", name="恢复（移出黑名单）").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("操作原因").fill("核实为误报，恢复使用")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()
    await expect(heading).not_to_contain_text("已拉黑")
    await expect(page.get_by_role("button", name=two("拉黑"))).to_be_visible()
    body = (await agent.get(f"{R}/users/{user}")).json()
    assert not body["blacklisted"]
    assert [r["action"] for r in body["records"]] == ["restore_from_blacklist", "blacklist"]
    records = page.get_by_role("table", name="操作记录").locator("tbody tr")
    await expect(records).to_have_count(2)


@pytest.mark.console_full
async def test_a_user_detail_offers_exactly_the_apis_actions(
    sign_in: SignIn, agent: Agent, lead: Agent, platform: Platform
) -> None:
    # Renting while the lock reports unlocked: no status fix (seed 001 3.1 step 4), no
    # delete (the user rides); the agent may blacklist. An idle user: the duty lead may
    # also delete.
    rider = await registered(platform, agent, "钱七")
    trip = await renting(platform, agent, rider, "unlocked")
    idle = await registered(platform, agent, "孙八")

    page = await sign_in("agent")
    await page.goto(f"/rental/users/{rider}")
    shown = await buttons(page)
    assert shown == await offered(agent, rider) == {"拉黑"}
    await page.goto(f"/rental/orders/{trip}")
    await expect(page.get_by_test_id("lock-state")).to_have_text("未锁")
    await expect(page.get_by_test_id("fix-not-offered")).to_be_visible()
    await expect(page.get_by_role("button", name="订单异常处理")).to_have_count(0)
    await screenshot(page, "rental-order-detail")
    await page.goto(f"/rental/orders?user_id={rider}")
    await expect(page.get_by_label(f"查看详情 {trip}")).to_be_visible()
    await screenshot(page, "rental-orders")

    page = await sign_in("lead")
    await page.goto(f"/rental/users/{idle}")
    await expect(page.get_by_test_id("user-actions").get_by_role("button")).to_have_count(2)
    assert await buttons(page) == await offered(lead, idle) == {"拉黑", "删除"}
    await page.goto(f"/rental/users/{rider}")
    await expect(page.get_by_role("heading", name=re.compile(rider))).to_be_visible()
    assert await buttons(page) == await offered(lead, rider) == {"拉黑"}
    await page.goto(f"/rental/users?user_id={idle}")
    await expect(page.get_by_label(f"查看详情 {idle}")).to_be_visible()
    await screenshot(page, "rental-users")


async def test_a_top_up_with_the_customers_sms_code_a_wrong_one_refused_first(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    number = phone()
    user = await registered(platform, agent, "吴十", number)
    page = await sign_in("lead")
    await page.goto(f"/rental/accounts?user_id={user}")
    await page.get_by_label(f"账户 {user}").click()
    await page.get_by_role("button", name=two("充值")).click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("button", name="发送验证码").click()
    await expect(dialog.get_by_test_id("code-sent")).to_contain_text(
        f"{number[:3]}****{number[-4:]}"
    )

    async def texted() -> bool:
        sent = (await agent.get("/api/v1/notify/sms", phone=number)).json()["items"]
        return any(s["template_id"] == "verification_code" for s in sent)

    await eventually(texted, within=30, what="the code's SMS in the SMS log")
    # The customer has no code: the duty lead looks up the latest one and reads it out.
    lookup = await page.context.new_page()
    await lookup.goto("/messages/code-lookup")
    await lookup.get_by_label("手机号").fill(number)
    await lookup.get_by_role("button", name="查询验证码").click()
    code = (await lookup.get_by_test_id("latest-code").inner_text()).strip()
    await lookup.close()
    assert re.fullmatch(r"\d{6}", code), code

    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    await dialog.get_by_label("验证码", exact=True).fill(wrong)
    await dialog.get_by_role("button", name=two("核实")).click()
    await expect(dialog.get_by_test_id("topup-error")).to_have_text("验证码不正确或已过期")
    await expect(dialog.get_by_label("金额（元）", exact=True)).to_have_count(0)  # not verified
    account = (await agent.get(f"{R}/accounts/{user}")).json()
    assert account["balance_cents"] == 0 and account["today"]["top_ups"] == 0
    assert (await agent.get(f"{R}/topups", user_id=user)).json()["items"] == []

    await dialog.get_by_label("验证码", exact=True).fill(code)
    await screenshot(page, "rental-topup-sms-code")
    await dialog.get_by_role("button", name=two("核实")).click()
    await dialog.get_by_label("金额（元）", exact=True).fill("30.00")
    await dialog.get_by_label("客户确认金额（元）").fill("30.00")
    await dialog.get_by_label("付款账户").fill("6222020000005678")
    await dialog.get_by_role("button", name="确认充值").click()
    await expect(dialog.get_by_test_id("receipt")).to_contain_text("¥30.00")
    receipts = (await agent.get(f"{R}/topups", user_id=user)).json()["items"]
    assert [(r["amount_cents"], r["agent"]) for r in receipts] == [(3_000, "lead")]
    assert (await agent.get(f"{R}/accounts/{user}")).json()["balance_cents"] == 3_000


async def test_a_top_up_over_the_card_limit_is_refused_in_words(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    user = await registered(platform, agent, "周九")
    limits = (await agent.get(f"{R}/accounts/{user}")).json()["limits"]
    assert limits["per_top_up_cents"] == 100_000  # a standard card: 1,000.00 a top-up
    page = await sign_in("agent")
    await page.goto(f"/rental/accounts?user_id={user}")
    await page.get_by_label(f"账户 {user}").click()
    await expect(page.get_by_test_id("account-balance")).to_have_text("¥0.00")
    await page.get_by_role("button", name=two("充值")).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_test_id("topup-balance")).to_have_text("¥0.00")  # balance first
    await dialog.get_by_label("证件核实").check()
    await dialog.get_by_label("证件后四位").fill("123X")
    await dialog.get_by_role("button", name=two("核实")).click()
    await dialog.get_by_label("金额（元）", exact=True).fill("1500.00")
    await dialog.get_by_label("客户确认金额（元）").fill("1500.00")
    await dialog.get_by_label("付款账户").fill("6222020000001234")
    await dialog.get_by_role("button", name="确认充值").click()
    await expect(dialog.get_by_test_id("topup-error")).to_have_text(
        "充值失败：超出该卡类型的单次充值限额"
    )
    await screenshot(page, "rental-topup-refused")
    account = (await agent.get(f"{R}/accounts/{user}")).json()
    assert account["balance_cents"] == 0 and account["today"]["top_ups"] == 0
    assert (await agent.get(f"{R}/topups", user_id=user)).json()["items"] == []

    # Within the limit the same check tops up once, and the receipt shows.
    await dialog.get_by_label("金额（元）", exact=True).fill("50.00")
    await dialog.get_by_label("客户确认金额（元）").fill("50.00")
    await dialog.get_by_role("button", name="确认充值").click()
    receipt = dialog.get_by_test_id("receipt")
    await expect(receipt).to_contain_text("¥50.00")
    receipts = (await agent.get(f"{R}/topups", user_id=user)).json()["items"]
    assert [r["amount_cents"] for r in receipts] == [5_000]
    await expect(receipt).to_contain_text(receipts[0]["serial_no"])
    await screenshot(page, "rental-topup-receipt")
    await dialog.get_by_role("button", name=two("关闭")).click()
    await expect(page.get_by_test_id("account-balance")).to_have_text("¥50.00")

    # A stored-value refund: the money is held, and its progress is the refund service's.
    await page.get_by_role("button", name="储值退款").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("操作原因").fill("客户不再使用")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("account-balance")).to_have_text("¥0.00")
    refunds = (await agent.get(f"{R}/accounts/{user}/refunds")).json()["items"]
    assert [(r["kind"], r["amount_cents"], r["status"]) for r in refunds] == [
        ("stored_value", 5_000, "pending")
    ]
    await page.get_by_role("tab", name="退款").click()
    progress = page.get_by_test_id(f"refund-progress-{refunds[0]['request_id']}")
    await expect(progress.locator(".ant-steps-item-process")).to_contain_text("待审核")
    await screenshot(page, "rental-account")


def _cents(shown: str) -> int:
    """ "¥1,234.50" → 123450."""
    sign = -1 if shown.startswith("-") else 1
    return sign * int(shown.lstrip("-¥").replace(",", "").replace(".", ""))


async def test_a_fund_flow_csv_download_matches_the_totals_on_the_page(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    user = await registered(platform, agent, "吴十")
    now = datetime.now(UTC)
    payments = [("deposit", 29_900), ("top_up", 5_000), ("top_up", 2_000), ("insurance_fee", 300)]
    for kind, cents in payments:
        await platform.publish(
            RENTAL_PAYMENT_RECEIVED,
            PaymentReceived(
                event_id=ident("e"),
                payment_id=ident("p"),
                user_id=user,
                kind=kind,
                amount_cents=cents,
                paid_at=now,
            ),
        )

    async def booked() -> dict[str, Any] | None:
        today = now.astimezone(SHANGHAI).date()
        answer = await agent.get(
            f"{R}/fund-flows",
            date_from=str(today - timedelta(days=1)),
            date_to=str(today + timedelta(days=1)),
            user_id=user,
        )
        body: dict[str, Any] = answer.json()
        return body if answer.status_code == 200 and body["total"] == len(payments) else None

    await eventually(booked, within=30, what="the payments in the fund flows")

    page = await sign_in("cashier")
    # Finance reads the fund flows and no other rental page (the gateway's route table).
    menu = page.get_by_role("navigation", name="menu")
    await expect(menu.get_by_role("link", name="资金流水")).to_be_visible()
    await expect(menu.get_by_role("link", name="用户列表")).to_have_count(0)
    await expect(menu.get_by_role("link", name="账户列表")).to_have_count(0)
    await page.goto(f"/rental/fund-flows?user_id={user}")
    await expect(page.get_by_test_id("total-rows")).to_have_text("4")
    top_ups = _cents(await page.get_by_test_id("total-top_up-in").inner_text())
    deposits = _cents(await page.get_by_test_id("total-deposit_paid-in").inner_text())
    insurance = _cents(await page.get_by_test_id("total-insurance_fee-in").inner_text())
    net = _cents(await page.get_by_test_id("net").inner_text())
    assert (top_ups, deposits, insurance, net) == (7_000, 29_900, 300, 37_200)

    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="导出CSV").click()
    download = await waiting.value
    path = await download.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + int(row["amount_cents"])
    assert by_kind == {"top_up": top_ups, "deposit_paid": deposits, "insurance_fee": insurance}
    assert {r["user_id"] for r in rows} == {user}
    progress = page.get_by_test_id("export-progress")
    await expect(progress).to_contain_text("导出完成")
    await expect(progress).to_contain_text(f"{len(rows)} 行")
    await screenshot(page, "rental-fund-flows")


@pytest.mark.console_full
async def test_feedback_and_insurance_are_decided_and_the_guide_and_figures_show(
    sign_in: SignIn, agent: Agent, platform: Platform
) -> None:
    user = await registered(platform, agent, "郑十一")
    trip = await renting(platform, agent, user, "locked")
    feedback, application = ident("f"), ident("i")
    await platform.publish(
        RENTAL_FEEDBACK_SUBMITTED,
        FeedbackSubmitted(
            event_id=ident("e"),
            feedback_id=feedback,
            user_id=user,
            content="车锁关不上，已在断桥租赁点还车",
            trip_id=trip,
            submitted_at=datetime.now(UTC),
        ),
    )
    await platform.publish(
        RENTAL_INSURANCE_APPLIED,
        InsuranceApplied(
            event_id=ident("e"),
            application_id=application,
            user_id=user,
            trip_id=trip,
            description="骑行中摔倒，膝盖擦伤",
            claimed_cents=20_000,
            applied_at=datetime.now(UTC),
        ),
    )

    async def arrived() -> bool:
        a = await agent.get(f"{R}/feedback/{feedback}")
        b = await agent.get(f"{R}/insurance-applications/{application}")
        return a.status_code == 200 and b.status_code == 200

    await eventually(arrived, within=30, what="the feedback and the application")

    page = await sign_in("agent")
    await page.goto(f"/rental/feedback?user_id={user}")
    await page.get_by_label(f"接受 {feedback}").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_label(f"接受 {feedback}")).to_have_count(0)  # decided once
    assert (await agent.get(f"{R}/feedback/{feedback}")).json()["status"] == "accepted"
    await screenshot(page, "rental-feedback")

    await page.goto(f"/rental/insurance?user_id={user}")
    await page.get_by_label(f"拒绝 {application}").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("button", name=CONFIRM)).to_be_disabled()  # a reason first
    await dialog.get_by_label("操作原因").fill("非骑行期间受伤，不在保障范围")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()
    rejected = (await agent.get(f"{R}/insurance-applications/{application}")).json()
    assert rejected["status"] == "rejected" and rejected["decided_by"] == "agent"
    await screenshot(page, "rental-insurance")

    # The exception fix on a locked bike, from the order's page.
    await page.goto(f"/rental/orders/{trip}")
    await page.get_by_role("button", name="订单异常处理").click()
    dialog = page.get_by_role("dialog")
    ended = (datetime.now(UTC) - timedelta(minutes=20)).astimezone(SHANGHAI)
    await dialog.get_by_label("客户所述还车时间").fill(ended.strftime("%Y-%m-%dT%H:%M"))
    await dialog.get_by_label("操作原因").fill("车锁关不上，用户来电")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(page.get_by_test_id("order-status")).to_have_text("已结束")
    fixed = (await agent.get(f"{R}/orders/{trip}")).json()
    assert len(fixed["fixes"]) == 1 and fixed["fixes"][0]["actor"] == "agent"

    await page.goto("/rental/statistics")
    await expect(page.get_by_test_id("stat-chart")).to_be_visible()
    await screenshot(page, "rental-statistics")
    # The guide: agents read it; a duty lead saves a new version (seed 001 2.7).
    await page.goto("/rental/guide")
    await expect(page.get_by_role("heading", name="用户指南")).to_be_visible()
    await expect(page.get_by_role("button", name="修改指南")).to_have_count(0)
    page = await sign_in("lead")
    await page.goto("/rental/guide")
    await page.get_by_role("button", name="修改指南").click()
    text = f"扫码开锁，骑行结束后在租赁点关锁还车。{ident('v')}"
    await page.get_by_label("指南内容").fill(text)
    await page.get_by_label("修改说明").fill("补充还车说明")
    await page.get_by_role("button", name="保存为新版本").click()
    await expect(page.get_by_test_id("guide-content")).to_have_text(text)
    guide = (await agent.get(f"{R}/guide")).json()
    assert (guide["content"], guide["saved_by"], guide["note"]) == (text, "lead", "补充还车说明")
    await screenshot(page, "rental-guide")
    await page.goto(f"/rental/accounts?user_id={user}")
    await expect(page.get_by_label(f"账户 {user}")).to_be_visible()
    await screenshot(page, "rental-accounts")
