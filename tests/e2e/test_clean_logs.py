"""The logs of a run hold no password, token, verification code or full phone number.

Drives the stack the way a day at the desk does (a mistyped password, a password typed
into the username field, searches by phone in several formats, a verification code
sent and looked up), then reads every log file the run wrote. Before, the "sign-in
refused" line logged what was typed as the username, the gateway logged each upstream
URL with its query (phones in formats the masking missed), and the log files were 0644.
"""

from __future__ import annotations

import random
import re
import secrets
import stat
from typing import Any

import httpx

from shared.devstack.stack import Stack
from tests.e2e.conftest import DEMO_PASSWORD, _signed_in
from tests.e2e.helpers import Agent
from tests.infra import eventually as until

N = "/api/v1/notify"


def mobile() -> str:
    number = random.choice(["139", "158", "186"]) + f"{random.randrange(10**8):08d}"
    return number if not number.endswith(("0000", "0001", "0002", "0003")) else mobile()


def appears(needle: str, text: str) -> bool:
    """``needle`` as a whole number (not a run inside a longer one, a hex id or a
    timestamp's fraction)."""
    return re.search(rf"(?<![0-9a-f.]){re.escape(needle)}(?![0-9a-f])", text) is not None


async def test_a_runs_logs_hold_no_secret_and_no_full_phone(
    stack: Stack, agent: Agent, anonymous: httpx.AsyncClient
) -> None:
    wrong = f"wrong-{secrets.token_hex(8)}"
    typed = f"typed-as-name-{secrets.token_hex(8)}"
    for username, password in (("agent2", wrong), (typed, wrong)):
        refused = await anonymous.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert refused.status_code == 401, refused.text
    main = mobile()
    landline7 = f"{random.randrange(2, 10)}{random.randrange(10**6):06d}"
    landline8 = f"{random.randrange(2, 10)}{random.randrange(10**7):07d}"
    phones = [main, f"+86{main}", f"86{main}", landline7, landline8]
    for number in phones:
        await agent.get("/api/v1/vouchers", phone=number)
        await agent.get(f"{N}/sms", phone=number)

    sent = await agent.post(f"{N}/verification-codes", {"phone": main, "purpose": "login"})
    assert sent.status_code == 201, sent.text

    async def delivered() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await agent.get(f"{N}/sms", phone=main)).json()["items"]
        return items if items and items[0]["status"] == "sent" else None

    await until(delivered, what="the code's SMS sent")
    lead = await _signed_in(stack, "lead")
    try:
        latest = await lead.get(f"{N}/sms/latest-code", params={"phone": main})
        assert latest.status_code == 200, latest.text
        code = latest.json()["code"]
        token = lead.headers["Authorization"].removeprefix("Bearer ")
    finally:
        await lead.aclose()

    logs = sorted(stack.logs.glob("*.log"))
    assert {p.stem for p in logs} >= {"gateway", "notify", "voucher"}
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)
    lowered = text.lower()
    for secret in (DEMO_PASSWORD, wrong, typed, token):
        assert secret.lower() not in lowered, f"a secret ({secret[:8]}...) is in the logs"
    assert not appears(code, text), "the verification code is in the logs"
    for number in phones:
        assert not appears(number.lstrip("+"), text), f"phone {number[:3]}... is in the logs"
    for path in logs:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
