"""The console in a real browser: Debian's Chromium driven by Playwright, against the e2e stack.

The stack is the e2e package's own (tests/e2e/conftest.py); its gateway serves the console
built from this checkout (console/dist), built here first when its sources changed.

``make test`` runs the short form: every test but those marked ``console_full`` (a second
walk of a screen another test already drives, kept for ``make console-e2e``, which sets
``KEFU_CONSOLE_FULL=1`` and runs them all, as ``make console-screenshots`` does).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from shared.devstack.console_build import build_console
from shared.devstack.stack import Stack
from tests.e2e.conftest import DEMO_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "console"
TRACES = Path(__file__).resolve().parents[3] / ".kefu" / "console-traces"
"""A failed test's Playwright trace (``playwright show-trace <file>``): every page of its
browser context, with its actions' logs, DOM snapshots and network, so a flake is read,
not guessed."""
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
"""The smallest screen the console is made for."""

FULL = os.environ.get("KEFU_CONSOLE_FULL") == "1" or bool(
    os.environ.get("KEFU_CONSOLE_SCREENSHOTS")
)

SignIn = Callable[[str], Awaitable[Page]]
expect.set_options(timeout=20_000)
"""A shared two-core machine: a page's first answer may take seconds under load."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if FULL:
        return
    skip = pytest.mark.skip(reason="the full browser suite only: make console-e2e")
    for item in items:
        if item.get_closest_marker("console_full") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="package")
def console_url(stack: Stack) -> str:
    assert build_console(print), "the console did not build: see the output above"
    return stack.gateway_url


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Chromium is missing: apt-get install -y chromium (make test does it as root)")
    async with async_playwright() as playwright:
        # No sandbox as root (CI containers): Chromium refuses to start sandboxed there.
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        args.append("--lang=zh-CN")  # date inputs in the Chinese order, as agents see them
        launched = await playwright.chromium.launch(executable_path=path, headless=True, args=args)
        try:
            yield launched
        finally:
            await launched.close()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
async def page(
    browser: Browser, console_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[Page]:
    # The browser's own zone is UTC on purpose: the console shows Asia/Shanghai times anyway.
    context = await browser.new_context(
        base_url=console_url, viewport=VIEWPORT, locale="zh-CN", timezone_id="UTC"
    )
    context.set_default_timeout(30_000)
    # DOM snapshots at each action (what the page held, what each locator matched); no
    # screencast, which would encode frames all the test long on a shared two-core machine.
    await context.tracing.start(snapshots=True)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        if request.node.stash.get(FAILED, False):
            TRACES.mkdir(parents=True, exist_ok=True)
            trace = TRACES / f"{request.node.name}-{time.strftime('%Y%m%dT%H%M%S')}.zip"
            await context.tracing.stop(path=str(trace))
            print(f"the browser's trace: playwright show-trace {trace}")
        else:
            await context.tracing.stop()
        await context.close()


@pytest.fixture
def sign_in(page: Page) -> SignIn:
    async def as_user(username: str) -> Page:
        await page.goto("/login")
        await page.get_by_label("账号").fill(username)
        await page.get_by_label("密码").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="登录", exact=True).click()
        await expect(page.get_by_test_id("user-name")).to_have_text(username)
        return page

    return as_user


async def screenshot(page: Page, name: str) -> None:
    """Saved to docs/console/ when KEFU_CONSOLE_SCREENSHOTS is set (``make console-screenshots``),
    so an ordinary test run leaves the checkout as it was."""
    if os.environ.get("KEFU_CONSOLE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.wait_for_timeout(500)  # drawers and dialogs slide in
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled")
