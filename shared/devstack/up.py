"""``kefu up``: the whole back office on this machine until Ctrl-C or SIGTERM."""

from __future__ import annotations

import shlex
import shutil
import signal
import sys
from pathlib import Path
from types import FrameType

from shared.contracts import TOPICS
from shared.devstack.console_build import build_console
from shared.devstack.secrets import StackSecrets
from shared.devstack.stack import Stack, StackError, StackStopped, settings_env
from shared.devstack.stack_env import remove_stack_env, write_stack_env
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
    ("hr", "admin/HR office 行政人事部: verifies and archives the monthly refund statistics"),
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
        lines += ["", f"Demo accounts, password {secrets.demo_password} (kept in"]
        lines[-1] += f" {secrets.demo_password_file}):"
    else:
        lines += ["", "Demo accounts, password from KEFU_DEMO_PASSWORD:"]
    lines += [f"  {user:<10} {what}" for user, what in DEMO_ACCOUNTS]
    lines += ["", "Try it (paste in any terminal):", *try_it(stack)]
    lines += [
        "",
        "A service that dies is restarted with back-off. Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def password_shell(secrets: StackSecrets) -> str:
    """The demo password as a shell expression that works when pasted: read from its file
    (by absolute path, so from any folder and whatever KEFU_HOME is) or from the variable."""
    if secrets.demo_password_file is not None:
        return f"$(cat {shlex.quote(str(secrets.demo_password_file.resolve()))})"
    return "$KEFU_DEMO_PASSWORD"


def kefu_command() -> str:
    """``kefu`` as this process was started: the venv's script when it is not on PATH."""
    script = Path(sys.executable).parent / "kefu"
    if shutil.which("kefu") == str(script) or not script.exists():
        return "kefu"
    return shlex.quote(str(script))


def login_body_shell(secrets: StackSecrets, username: str = "agent") -> str:
    """The sign-in body as a double-quoted shell word: the password expands when pasted."""
    password = password_shell(secrets)
    return f'"{{\\"username\\": \\"{username}\\", \\"password\\": \\"{password}\\"}}"'


def try_it(stack: Stack) -> list[str]:
    assert stack.secrets is not None
    url = stack.gateway_url
    body = login_body_shell(stack.secrets)
    return [
        f"  TOKEN=$(curl -s {url}/api/v1/auth/login -H 'Content-Type: application/json' \\",
        f"    -d {body} \\",
        "    | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')",
        f"  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/api/v1/vouchers?limit=5'",
        f"  {kefu_command()} demo    # sample data on every screen, then five things to try",
    ]


def stack_env(stack: Stack) -> dict[str, str]:
    """The settings the stack runs with, as another kefu command would need them."""
    assert stack.infra is not None
    effective = stack.settings.model_copy(
        update={
            "database_url": stack.infra.database_url,
            "kafka_bootstrap": stack.infra.kafka_bootstrap,
            "home": stack.home.resolve(),
        }
    )
    return settings_env(effective)


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
        write_stack_env(stack.home, stack_env(stack))
        _say(banner(stack))
        code = stack.supervise()
        stack.stop()
        _say("stopped." if code == 0 else "stopped after a service kept failing.")
        return code
    finally:
        stack.stop()
        remove_stack_env(stack.home)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
