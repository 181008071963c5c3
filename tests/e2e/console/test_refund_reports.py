"""Refund handover, reports and payouts in the browser (seed 003): a monthly statistics table
approved by the duty lead, verified and archived by the admin/HR office, with buttons only
where the API offers them and its CSV downloaded with progress; a handover written by one
duty lead and taken over by another; a payout the sandbox keeps failing, flagged and
retried from the payouts screen by the cashier. Data is made through the gateway."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.console.conftest import SignIn, screenshot
from tests.e2e.test_refund import Staff, staff  # noqa: F401  (the fixture, shared)
from tests.infra import eventually

pytestmark = pytest.mark.e2e
CONFIRM = re.compile(r"^确\s*定$")


async def _decide(page: Page, button: str, comment: str = "") -> None:
    await page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("dialog")
    if comment:
        await dialog.get_by_label("意见").fill(comment)
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()


async def _buttons(page: Page) -> list[str]:
    card = page.locator(".ant-card", has_text="审核与存档")
    return [t.strip() for t in await card.get_by_role("button").all_inner_texts()]


@pytest.mark.console_full
async def test_the_monthly_statistics_are_approved_verified_and_archived_by_their_roles(
    sign_in: SignIn, tmp_path: Path
) -> None:
    # a month long over and used by no other test: its table is approved once, ever
    month = f"20{random.randrange(10, 20)}-{random.randrange(1, 13):02d}"
    url = f"/refunds/reports?tab=service&month={month}"
    state = "statistics-state-service"

    page = await sign_in("lead")
    await page.goto(url)
    await expect(page.get_by_test_id(state)).to_have_text("草稿（实时统计）")
    assert await _buttons(page) == ["审核通过"]  # the head approves; nobody else's buttons
    await _decide(page, "审核通过", "本月退款统计核对无误")
    await expect(page.get_by_test_id(state)).to_have_text("部门主管已审核")
    await expect(page.locator(".ant-card", has_text="审核与存档")).to_contain_text("lead")
    assert await _buttons(page) == []

    page = await sign_in("hr")
    await page.goto(url)
    await expect(page.get_by_test_id(state)).to_have_text("部门主管已审核")
    assert sorted(await _buttons(page)) == sorted(["退回", "核实"])
    await _decide(page, "核实", "已核实")
    await expect(page.get_by_test_id(state)).to_have_text("行政人事部已核实")
    await _decide(page, "存档")
    await expect(page.get_by_test_id(state)).to_have_text("已存档")
    assert await _buttons(page) == ["添加跟踪记录"]
    # the stored table's CSV, streamed: the rows and bytes received are shown
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="下载 CSV").click()
    saved = tmp_path / "service.csv"
    await (await downloading.value).save_as(saved)
    await expect(page.get_by_test_id("csv-progress")).to_contain_text(
        re.compile(r"已下载 · 1 行 · \d+\.\d kB")
    )
    text = saved.read_text(encoding="utf-8-sig")
    assert text.startswith("序号,提交日期,退单编号") and "合计" in text
    await screenshot(page, "refund-reports-monthly")

    page = await sign_in("lead")
    await page.goto(url)
    await expect(page.get_by_test_id(state)).to_have_text("已存档")
    assert await _buttons(page) == []
    await expect(page.locator(".ant-card", has_text="审核与存档")).to_contain_text(
        "已存档，不可更改"
    )


@pytest.mark.console_full
async def test_the_daily_faults_show_the_days_forms_by_cause(sign_in: SignIn, staff: Staff) -> None:  # noqa: F811
    form = await staff.file(amount_cents=4321)
    page = await sign_in("cashier")
    await page.goto("/refunds/reports")
    table = page.get_by_role("table", name="按故障原因")
    row = table.locator("tr", has_text="支付超时")
    await expect(row).to_contain_text(re.compile(r"[1-9]\d*"))
    await expect(page.get_by_test_id("bar-chart")).to_be_visible()
    answer = (
        await staff["cashier"].get(
            "/api/v1/refunds/reports/daily-faults", date=form["filed_at"][:10]
        )
    ).json()
    timeout = next(c for c in answer["by_cause"] if c["cause"] == "payment_timeout")
    await expect(row).to_contain_text(str(timeout["forms"]))
    await screenshot(page, "refund-reports-daily")


async def test_a_handover_is_written_by_one_duty_lead_and_taken_over_by_another(
    sign_in: SignIn,
) -> None:
    note = f"交接-{uuid.uuid4().hex[:6]}"
    page = await sign_in("lead")
    await page.goto("/refunds/handovers")
    await page.get_by_role("button", name="填写交接单").click()
    dialog = page.get_by_role("dialog")
    for label, names in (("应到值班人员", ["张三", "李四"]), ("实到值班人员", ["张三", "李四"])):
        field = dialog.get_by_label(label, exact=True)
        for name in names:
            await field.fill(name)
            await field.press("Enter")
    await dialog.get_by_label("相关责任人").fill("张三")
    await dialog.get_by_label("完成工作明细").fill("1. 回复客户张先生退款进度\n2. 核对当日故障单")
    await dialog.get_by_label("备注").fill(note)
    await screenshot(page, "refund-handover-new")
    await dialog.get_by_role("button", name=re.compile(r"^提\s*交$")).click()
    await expect(dialog).to_be_hidden()
    row = page.locator("tr", has_text="待接班").first
    await expect(row).to_contain_text("lead")
    await row.get_by_role("button", name=re.compile("详情")).click()
    drawer = page.get_by_role("dialog")
    await expect(drawer).to_contain_text(note)
    await expect(drawer.get_by_role("button", name="确认接班")).to_have_count(0)  # not the writer

    page = await sign_in("lead2")
    await page.goto("/refunds/handovers?acknowledged=false")
    row = page.locator("tr", has_text="待接班").first
    await row.get_by_role("button", name=re.compile("详情")).click()
    drawer = page.get_by_role("dialog")
    await expect(drawer).to_contain_text(note)
    await expect(drawer).to_contain_text("回复客户张先生退款进度")
    await drawer.get_by_role("button", name="确认接班").click()
    await expect(drawer.get_by_test_id("acknowledged-by")).to_contain_text("lead2")
    await expect(drawer.get_by_role("button", name="确认接班")).to_have_count(0)
    await screenshot(page, "refund-handover")


async def test_a_flagged_payout_is_retried_from_the_payouts_screen(
    sign_in: SignIn,
    staff: Staff,  # noqa: F811
) -> None:
    # .98: the sandbox fails the first attempt, which flags it (one attempt in this stack)
    form = await staff.file(amount_cents=4998)
    form_id = form["form_id"]
    await staff.through_finance(form_id)

    async def flagged() -> dict[str, Any] | None:
        found = await staff.form(form_id)
        return found if found["state"] == "payout_failed" else None

    await eventually(flagged, within=60, what="the payout flagged for a person")
    page = await sign_in("cashier")
    await page.goto("/refunds/payouts")
    row = page.locator("tr", has_text=f"form-{form_id}")
    await expect(row).to_contain_text("¥49.98")
    await screenshot(page, "refund-payouts")
    await row.get_by_role("button", name=f"重新付款 form-{form_id}").click()
    await expect(page.get_by_text("办理成功")).to_be_visible()
    paid = await staff.completed(form_id, within=60)
    assert paid["payout"]["status"] == "paid" and paid["payout"]["reference"]
    retried = [s for s in paid["steps"] if s["step"] == "payout_retried"]
    assert [(s["executor"], s["executor_role"]) for s in retried] == [("cashier", "cashier")]
    await page.reload()
    await expect(page.locator("tr", has_text=f"form-{form_id}")).to_have_count(0)
    # The finance department's table of the month holds it, with the cashier's check
    # and the director's approval, and the chart of the month's amounts per day.
    await page.goto(f"/refunds/reports?tab=finance&month={paid['filed_at'][:7]}")
    table = page.get_by_role("table", name="财务退单统计表")
    line = table.locator("tr", has_text=form_id)
    await expect(line).to_contain_text("¥49.98")
    await expect(line).to_contain_text("cashier")
    await expect(page.get_by_test_id("bar-chart")).to_be_visible()
    await screenshot(page, "refund-reports-finance")
