"""`kefu up`'s banner names the console first: it is what most people came to open."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from shared.devstack.secrets import StackSecrets
from shared.devstack.stack import Infrastructure, Stack
from shared.devstack.up import banner
from shared.settings import Settings


class _Stack:
    """What the banner reads of a running stack, without running one."""

    def __init__(self) -> None:
        self.settings = Settings(database_url="postgresql://unused/x", gateway_port=18080)
        self.infra = Infrastructure("postgresql://unused/x", "127.0.0.1:19092", None, False)
        self.secrets = StackSecrets("j" * 48, "i" * 48, "demo-pass", Path("/tmp/demo_password"))
        self.gateway_url = "http://127.0.0.1:18080"
        self.children: dict[str, Any] = {}

    def database_report(self) -> list[str]:
        return []


def test_the_console_url_comes_first() -> None:
    text = banner(cast(Stack, _Stack()))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    after = lines[lines.index("Kefu is up.") + 1]
    assert after.startswith("Console     http://127.0.0.1:18080/"), after
    assert text.index("Console ") < text.index("Gateway ") < text.index("API docs")
