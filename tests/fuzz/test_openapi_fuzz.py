"""The gateway answers only what its OpenAPI declares, and never a 5xx, whatever the input.

Schemathesis fuzzes the gateway's OpenAPI against the whole stack, signed in as each
demo account over the routes its roles may call (the rest answer the declared 403),
then the sign-in route without a token. A server error, a status the route does not
declare or an undeclared content type fails the test.

``make test`` runs a short form (a fixed seed, a few cases per route);
``make fuzz`` (``KEFU_FUZZ_FULL=1``) the full run, whose findings are in docs/security.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.gateway.domain.roles import DEMO_ACCOUNTS
from services.gateway.domain.routes import may_call, rule_for
from services.gateway.openapi_doc import openapi_json
from shared.devstack.stack import Stack
from tests.fuzz.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

FULL = os.environ.get("KEFU_FUZZ_FULL") == "1"
SEED = 20261206
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"
# Routes that end the fuzzing account's own session: fuzzed, they would turn every later
# case into a 401 and test nothing.
SESSION_ENDING = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}
LOGIN = ("POST", "/api/v1/auth/login")
# One account per distinct set of roles; admin last: it resets and disables others.
# The short form samples the accounts whose roles reach the most routes between them.
ACCOUNTS = (
    [name for name, _ in DEMO_ACCOUNTS if not name[-1].isdigit()]
    if FULL
    else ["agent", "director", "ops", "processor", "admin"]
)


def operations_for(document: dict[str, Any], roles: frozenset[str] | None) -> dict[str, Any]:
    """The document with only the operations ``roles`` may call (None: the sign-in only)."""
    kept: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            key = (method.upper(), path)
            if key in SESSION_ENDING:
                continue
            wanted = key == LOGIN if roles is None else key != LOGIN
            if wanted and (roles is None or may_call(rule_for(*key), roles)):
                kept.setdefault(path, {})[method] = operation
    return {**document, "paths": kept}


def sign_in(gateway: str, username: str) -> str:
    answer = httpx.post(
        f"{gateway}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def fuzz(gateway: str, schema: Path, token: str | None, report: Path) -> tuple[int, str]:
    bounds = (
        ["--max-examples", "25"]
        if FULL
        else ["--max-examples", "2", "--phases", "examples,fuzzing"]
    )
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(schema),
        "--url", gateway, "--checks", CHECKS, "--seed", str(SEED), "--workers", "1",
        "--no-shrink", "--request-timeout", "20", "--report", "ndjson",
        "--report-ndjson-path", str(report), *bounds,
    ]  # fmt: skip
    if token is not None:
        command += ["--header", f"Authorization: Bearer {token}"]
    # its working directory: schemathesis keeps a cache there
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=report.parent)
    return done.returncode, done.stdout + done.stderr


def test_every_answer_is_declared_and_none_is_a_server_error(stack: Stack, tmp_path: Path) -> None:
    document = json.loads(openapi_json())
    roles = dict(DEMO_ACCOUNTS)
    # Every token first: the sign-in's fuzzing locks the client address out.
    tokens = {name: sign_in(stack.gateway_url, name) for name in ACCOUNTS}
    runs: list[tuple[str, str | None, frozenset[str] | None]] = [
        *((name, tokens[name], roles[name]) for name in ACCOUNTS),
        ("anonymous", None, None),
    ]
    failed: list[str] = []
    for name, token, account_roles in runs:
        schema = tmp_path / f"{name}.json"
        schema.write_text(json.dumps(operations_for(document, account_roles)))
        code, output = fuzz(stack.gateway_url, schema, token, tmp_path / f"{name}.ndjson")
        print(f"== {name}: exit {code}\n{output}")
        if code != 0:
            failed.append(f"{name}:\n{output}")
    assert not failed, "\n\n".join(failed)
