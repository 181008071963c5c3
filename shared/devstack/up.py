"""``kefu up``: the whole back office on this machine until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from shared.contracts import TOPICS
from shared.devstack.console_build import build_console
from shared.devstack.stack import Stack, StackError, StackStopped
from shared.settings import Settings

DEMO_ACCOUNTS = (
    ("agent", "agent 客服: search, void, reversal, refund forms, rental fixes"),
    ("agent2", "a second agent, to see separation of duties"),
    ("lead", "duty lead 值班负责人: the agent's rights, form checks, handover"),
    ("lead2", "a second duty lead"),
    ("tech", "technical team 技术部: fault verification on refund forms"),
    ("cashier", "cashier 出纳: the cashier's step of a refund form"),
    ("accountant", "accountant 会计: the accountant's step"),
    ("director", "finance director 财务总监: the final approval"),
    ("director2", "a second finance director: the second approval of a large refund"),
    ("ops", "operations supervisor 运营主管: deposits, refund caps, announcements"),
    ("ops2", "a second operations supervisor"),
    ("reviewer", "after-sales reviewer: reviews service tickets"),
    ("processor", "after-sales processor: processes received returns"),
    ("admin", "admin: accounts and roles, nothing financial"),
)


def _say(line: str = "") -> None:
    print(line, flush=True)


def banner(stack: Stack) -> str:
    assert stack.infra is not None and stack.secrets is not None
    infra, secrets, url = stack.infra, stack.secrets, stack.gateway_url
    lines = [
        "",
        "Kefu is up.",
        "",
        f"  Console     {url}/   (the agent console: sign in with a demo account below)",
        f"  Gateway     {url}",
        f"  API docs    {url}/docs",
    ]
    for name, child in stack.children.items():
        lines.append(
            f"  {name:<10}  {stack.settings.url_of(name)}  pid {child.pid}  log {child.log_path}"
        )
    pg = (
        f"embedded, data in {infra.embedded_postgres}"
        if infra.embedded_postgres
        else "from KEFU_DATABASE_URL"
    )
    kafka = (
        f"embedded Tansu on {infra.kafka_bootstrap} (in memory: messages are lost when it stops)"
        if infra.embedded_broker
        else f"{infra.kafka_bootstrap} (from KEFU_KAFKA_BOOTSTRAP)"
    )
    lines += [f"  PostgreSQL  {pg}", f"  Kafka       {kafka}"]
    for i, database in enumerate(stack.database_report()):
        lines.append(f"  {'Databases' if i == 0 else '':<10}  {database}")
    for i, topic in enumerate(TOPICS):
        lines.append(f"  {'Topics' if i == 0 else '':<10}  {topic.name} (and {topic.dlq})")
    if secrets.demo_password_file is not None:
        password = secrets.demo_password
        where = f"generated, kept in {secrets.demo_password_file}"
    else:
        password, where = "(the value of KEFU_DEMO_PASSWORD)", "from KEFU_DEMO_PASSWORD"
    lines += ["", f"Demo accounts, password {password} ({where}):"]
    lines += [f"  {user:<10} {what}" for user, what in DEMO_ACCOUNTS]
    shown = (
        secrets.demo_password if secrets.demo_password_file is not None else "$KEFU_DEMO_PASSWORD"
    )
    lines += [
        "",
        "Try it:",
        f"  TOKEN=$(curl -s {url}/api/v1/auth/login -H 'Content-Type: application/json' \\",
        f'    -d \'{{"username": "agent", "password": "{shown}"}}\' \\',
        "    | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')",
        f"  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/api/v1/vouchers?limit=5'",
        "  kefu demo          # publish sample exchange orders, then search again",
        "",
        "A service that dies is restarted with back-off. Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def run_up(settings: Settings) -> int:
    stack = Stack(settings, out=_say)
    stopping = False

    def on_signal(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            _say(f"\n{signal.Signals(signum).name}: stopping ...")
        stack.request_stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        build_console(_say)
        try:
            stack.start()
        except StackStopped:
            _say("stopped before it was up.")
            return 0
        except StackError as exc:
            print(f"kefu up: {exc}", file=sys.stderr, flush=True)
            return 1
        _say(banner(stack))
        code = stack.supervise()
        stack.stop()
        _say("stopped." if code == 0 else "stopped after a service kept failing.")
        return code
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
