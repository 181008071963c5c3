"""After-sales in the browser (seed 002): the seller's activation with the three-level address
picker; a batch review in which one ticket fails and the others pass, each ticket's answer
shown; a ticket's detail with its images, whose processing step only the processing role sees;
a ticket nobody reviewed in time, approved by the system; an operations supervisor reviewing
sellers' applications with the buttons the API offers. Data is made as staff make it, through
the gateway; the system's approval by the refund service's own sweep, its window a setting."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import signal
import struct
import time
import uuid
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page, expect

from shared.devstack.process import ServiceProcess
from shared.devstack.stack import Stack
from tests.e2e.console.conftest import SignIn, screenshot
from tests.e2e.helpers import Agent
from tests.e2e.test_aftersales import people  # noqa: F401  (the fixture, shared)
from tests.infra import eventually

pytestmark = pytest.mark.e2e
A = "/api/v1/aftersales"
CONFIRM = re.compile(r"^确\s*定$")
ADDRESS = {
    "province": "广东省", "city": "深圳市", "district": "南山区", "street": "科技园路1号",
    "contact_name": "李四", "contact_phone": "13900139000",
}  # fmt: skip


def png(rgb: tuple[int, int, int], size: int = 48) -> str:
    """A small real PNG of one colour, in base64, so the browser draws a thumbnail."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\0" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    raw += chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


async def active_seller(sessions: dict[str, Agent]) -> str:
    """A seller approved by ops whose main account (reviewer) gave the processor processing."""
    seller = f"S{uuid.uuid4().hex[:8]}"
    body = {"seller_id": seller, "return_address": ADDRESS}
    applied = await sessions["reviewer"].post(f"{A}/activations", body)
    assert applied.status_code == 201, applied.text
    approved = await sessions["ops"].post(
        f"{A}/activations/{seller}/review", {"decision": "approve"}
    )
    assert approved.status_code == 200, approved.text
    staffed = await sessions["reviewer"].client.put(
        f"{A}/sellers/{seller}/staff/processor", json={"permissions": ["process"]}
    )
    assert staffed.status_code == 200, staffed.text
    return seller


async def open_ticket(
    sessions: dict[str, Agent], seller: str, application: str, images: list[dict[str, str]]
) -> dict[str, Any]:
    opened = await sessions["agent"].post(
        f"{A}/tickets",
        {
            "seller_id": seller, "application_no": application,
            "order_no": f"O{uuid.uuid4().hex[:10]}", "customer_id": "U2001",
            "service_type": "return", "description": "收到的耳机左耳无声", "images": images,
        },
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    ticket: dict[str, Any] = opened.json()
    return ticket


async def test_the_seller_applies_with_the_three_level_address_picker(
    sign_in: SignIn,
    people: dict[str, Agent],  # noqa: F811
) -> None:
    seller = f"S{uuid.uuid4().hex[:8]}"
    page = await sign_in("reviewer")
    await page.goto("/aftersales/activation")
    form = page.get_by_role("form", name="申请开通自主售后")
    await form.get_by_label("商家编号").fill(seller)
    await form.get_by_label("省/市/区").click()
    # the national list, not only where the first sellers were: the far west and the SARs too
    for province in ("新疆维吾尔自治区", "西藏自治区", "香港特别行政区"):
        await expect(page.get_by_role("menuitemcheckbox", name=province)).to_be_visible()
    await expect(page.get_by_role("menuitemcheckbox")).to_have_count(34)
    await screenshot(page, "aftersales-regions")
    for name in ("广东省", "深圳市", "南山区"):  # each level loaded from the API as it opens
        await page.get_by_role("menuitemcheckbox", name=name).click()
    await form.get_by_label("详细地址").fill("科技园路1号A座101")
    await form.get_by_label("联系人").fill("张三")
    await form.get_by_label("联系电话").fill("13800138000")
    await screenshot(page, "aftersales-activation")
    await form.get_by_role("button", name="开通自主售后").click()
    row = page.locator("tr", has_text=seller)
    await expect(row).to_contain_text("待审核")
    await expect(row).to_contain_text("广东省 深圳市 南山区 科技园路1号A座101")
    answer = (await people["ops"].get(f"{A}/activations/{seller}")).json()
    assert answer["return_address"]["district"] == "南山区"
    assert answer["submitted_by"] == "reviewer" and answer["status"] == "pending_review"


async def test_a_batch_review_shows_the_ticket_that_failed_and_those_that_passed(
    sign_in: SignIn,
    people: dict[str, Agent],  # noqa: F811
) -> None:
    seller = await active_seller(people)
    application = f"APP{uuid.uuid4().hex[:8]}"
    tickets = [await open_ticket(people, seller, application, []) for _ in range(3)]
    ids = [t["id"] for t in tickets]
    page = await sign_in("reviewer")
    await page.goto(f"/aftersales/tickets?seller_id={seller}")
    for ticket_id in ids:
        await page.get_by_label(f"选择 {ticket_id}", exact=True).check()
    await screenshot(page, "aftersales-tickets")
    # Meanwhile a colleague reviews the middle one on its own: the batch cannot review it again.
    alone = await people["reviewer"].post(
        f"{A}/tickets/{ids[1]}/review", {"outcome": "customer_gave_up"}
    )
    assert alone.status_code == 200, alone.text
    await page.get_by_role("button", name="批量审核 (3)").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("同意客户发货")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog.get_by_test_id("batch-summary")).to_have_text("成功 2 · 失败 1")
    results = dialog.get_by_role("table", name="批量审核结果").locator("tbody tr")
    await expect(results.filter(has_text=str(ids[1]))).to_contain_text("失败")
    await expect(results.filter(has_text=str(ids[1]))).to_contain_text("该服务单已审核")
    for passed in (ids[0], ids[2]):
        await expect(results.filter(has_text=str(passed))).to_contain_text("成功待收货")
    await screenshot(page, "aftersales-batch-review")
    statuses = {t: (await people["agent"].get(f"{A}/tickets/{t}")).json()["status"] for t in ids}
    assert statuses == {ids[0]: "awaiting_receipt", ids[1]: "closed", ids[2]: "awaiting_receipt"}


async def _open(page: Page, ticket_id: int) -> None:
    await page.goto(f"/aftersales/tickets/{ticket_id}")
    await expect(
        page.get_by_role("heading", name=re.compile(f"服务单 {ticket_id}"))
    ).to_be_visible()


@pytest.mark.console_full
async def test_only_the_processing_role_sees_the_processing_step(
    sign_in: SignIn,
    people: dict[str, Agent],  # noqa: F811
) -> None:
    seller = await active_seller(people)
    image = {
        "filename": "left-ear.png",
        "content_type": "image/png",
        "data_base64": png((200, 40, 40)),
    }
    ticket = await open_ticket(people, seller, f"APP{uuid.uuid4().hex[:8]}", [image])
    ticket_id = ticket["id"]

    # the reviewer reviews it on its page: the review, never the processing step
    page = await sign_in("reviewer")
    await _open(page, ticket_id)
    await expect(page.get_by_test_id("processing-step")).to_have_count(0)
    review = page.get_by_test_id("review-step")
    await review.get_by_label("审核结果").click()
    await page.get_by_title("同意客户发货").click()
    await review.get_by_role("button", name="提交审核").click()
    await expect(page.get_by_test_id("ticket-status")).to_have_text("待收货")
    await expect(page.get_by_test_id("review-step")).to_have_count(0)
    await expect(page.get_by_test_id("processing-step")).to_have_count(0)

    # the agent who opened it sees neither
    page = await sign_in("agent")
    await _open(page, ticket_id)
    await expect(page.get_by_test_id("processing-step")).to_have_count(0)
    await expect(page.get_by_test_id("review-step")).to_have_count(0)

    # the processor: the image as a thumbnail that enlarges, the history, and the processing step
    page = await sign_in("processor")
    await _open(page, ticket_id)
    thumbnail = page.get_by_role("img", name="客户图片 left-ear.png").first
    await expect(thumbnail).to_be_visible()
    await page.get_by_text("点击放大").first.click()  # the thumbnail's mask, as a user clicks it
    await expect(page.locator(".ant-image-preview-img")).to_be_visible()
    await page.keyboard.press("Escape")
    history = page.get_by_role("table", name="处理记录")
    await expect(history).to_contain_text("reviewer")
    await expect(history).to_contain_text("同意客户发货")
    processing = page.get_by_test_id("processing-step")
    await screenshot(page, "aftersales-ticket-detail")
    await processing.get_by_role("button", name="确认收货").click()
    await expect(page.get_by_test_id("ticket-status")).to_have_text("待处理")
    await processing.get_by_role("combobox", name="处理结果").click()
    await page.get_by_title("已退款").click()
    await processing.get_by_role("button", name="完成处理").click()
    await expect(page.get_by_test_id("ticket-status")).to_have_text("已完成")
    await expect(page.get_by_test_id("processing-step")).to_have_count(0)
    answer = (await people["agent"].get(f"{A}/tickets/{ticket_id}")).json()
    assert (answer["status"], answer["processing_result"]) == ("completed", "refunded")
    assert [e["actor"] for e in answer["history"]][-2:] == ["processor", "processor"]


def _restart(stack: Stack, child: ServiceProcess, env: dict[str, str]) -> None:
    child.signal(signal.SIGTERM)
    if not child.wait(time.monotonic() + 15):
        child.kill()
    child.close_log()
    child.env = env
    child.start()
    stack.wait_healthy(timeout=90)


@contextlib.asynccontextmanager
async def refund_service_with(stack: Stack, **settings: str) -> AsyncIterator[None]:
    """The refund service restarted with these settings, as an operator changes one, and
    restarted as it was afterwards."""
    child = stack.children["refund"]
    usual = dict(child.env)
    await asyncio.to_thread(_restart, stack, child, {**usual, **settings})
    try:
        yield
    finally:
        await asyncio.to_thread(_restart, stack, child, usual)


@pytest.mark.console_full
async def test_a_ticket_nobody_reviewed_in_time_shows_the_systems_approval(
    sign_in: SignIn,
    people: dict[str, Agent],  # noqa: F811
    stack: Stack,
) -> None:
    seller = await active_seller(people)
    # Opened while the window is two seconds: the due time is fixed on the ticket, so the
    # service back on its 48 hours approves it when that time comes, with its own sweep.
    async with refund_service_with(stack, KEFU_AFTERSALES_AUTO_APPROVE_HOURS="0.0005"):
        ticket = await open_ticket(people, seller, f"APP{uuid.uuid4().hex[:8]}", [])
    assert ticket["status"] == "awaiting_review" and ticket["reviewed_by"] is None
    ticket_id = ticket["id"]

    async def approved() -> dict[str, Any] | None:
        body: dict[str, Any] = (await people["agent"].get(f"{A}/tickets/{ticket_id}")).json()
        return body if body["status"] != "awaiting_review" else None

    answer = await eventually(approved, within=30, what="the system's approval")
    assert (answer["status"], answer["outcome"]) == ("awaiting_receipt", "approve_shipment")
    assert answer["reviewed_by"] == "system:auto_approval"
    assert [(e["action"], e["actor_kind"]) for e in answer["history"]] == [
        ("opened", "staff"),
        ("auto_approved", "system"),
    ]

    page = await sign_in("reviewer")
    await _open(page, ticket_id)
    await expect(page.get_by_test_id("ticket-status")).to_have_text("待收货")
    await expect(page.get_by_test_id("review-step")).to_have_count(0)  # nothing left to review
    by_system = page.get_by_role("table", name="处理记录").locator(
        "tbody tr", has_text="超时系统自动审核"
    )
    await expect(by_system).to_contain_text("系统")
    await expect(by_system).to_contain_text("同意客户发货")
    await screenshot(page, "aftersales-auto-approved")
    await page.goto(f"/aftersales/tickets?seller_id={seller}")
    row = page.locator("tr", has_text=f"{ticket_id}")
    await expect(row.get_by_test_id("auto-approved")).to_have_text("系统自动审核（超48小时未审核）")


async def test_operations_review_applications_with_the_buttons_the_api_offers(
    sign_in: SignIn,
    people: dict[str, Agent],  # noqa: F811
) -> None:
    rejected, approved = f"S{uuid.uuid4().hex[:8]}", f"S{uuid.uuid4().hex[:8]}"
    for seller in (rejected, approved):
        body = {"seller_id": seller, "return_address": ADDRESS}
        applied = await people["reviewer"].post(f"{A}/activations", body)
        assert applied.status_code == 201, applied.text
    active = await active_seller(people)  # reviewed already: nothing to offer

    # the seller's own staff see their applications waiting, with no review buttons
    page = await sign_in("reviewer")
    await page.goto("/aftersales/activation")
    await expect(page.locator("tr", has_text=rejected)).to_contain_text("待审核")
    await expect(page.locator("tr", has_text=rejected).get_by_role("button")).to_have_count(0)

    page = await sign_in("ops")
    await page.goto("/aftersales/activation")
    for seller in (rejected, approved):
        row = page.locator("tr", has_text=seller)
        await expect(row.get_by_role("button", name=f"审核通过 {seller}")).to_be_visible()
        await expect(row.get_by_role("button", name=f"审核不通过 {seller}")).to_be_visible()
    await expect(page.locator("tr", has_text=active)).to_contain_text("审核通过")
    await expect(page.locator("tr", has_text=active).get_by_role("button")).to_have_count(0)
    await screenshot(page, "aftersales-activation-review")

    row = page.locator("tr", has_text=rejected)
    await row.get_by_role("button", name=f"审核不通过 {rejected}").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("操作原因").fill("退货地址缺少门牌号")
    await dialog.get_by_role("button", name=CONFIRM).click()
    await expect(dialog).to_be_hidden()
    await expect(row).to_contain_text("审核不通过")
    await expect(row).to_contain_text("退货地址缺少门牌号")
    await expect(row.get_by_role("button")).to_have_count(0)

    row = page.locator("tr", has_text=approved)
    await row.get_by_role("button", name=f"审核通过 {approved}").click()
    await page.get_by_role("button", name=CONFIRM).click()  # the confirmation
    await expect(row.get_by_role("button")).to_have_count(0)
    await expect(row).to_contain_text("审核通过")

    answers = {
        s: (await people["ops"].get(f"{A}/activations/{s}")).json() for s in (rejected, approved)
    }
    assert (answers[rejected]["status"], answers[rejected]["rejection_reason"]) == (
        "rejected",
        "退货地址缺少门牌号",
    )
    assert (answers[approved]["status"], answers[approved]["reviewed_by"]) == ("approved", "ops")
    assert [h["action"] for h in answers[approved]["history"]] == ["applied", "approved"]
