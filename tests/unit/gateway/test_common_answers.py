"""Every gateway route declares the answers any route can give (gateway/openapi_answers.py).

Before, a route declared only what its author thought of: the input guard's 413, the
throttle's 429, a 404 on a route naming a thing, 400 for a missing Idempotency-Key were
answered but not declared, and a client generated from the document could not expect them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.gateway.domain.routes import ROUTES, Audience
from services.gateway.openapi_doc import openapi_json

API = [rule for rule in ROUTES if rule.path.startswith("/api/v1/")]


@pytest.fixture(scope="module")
def paths() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(openapi_json())
    return dict(document["paths"])


@pytest.mark.parametrize("rule", API, ids=lambda rule: f"{rule.method} {rule.path}")
def test_every_route_declares_the_common_answers(paths: dict[str, Any], rule: Any) -> None:
    answers = paths[rule.path][rule.method.lower()]["responses"]
    expected = {"401", "403", "413", "422", "429", "503"}
    command = rule.method != "GET"
    expected |= {"400", "409"} if command else set()
    expected |= {"404"} if "{" in rule.path or command else set()
    assert expected <= set(answers), sorted(expected - set(answers))
    for status in expected:
        schema = answers[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}, status


def test_a_routes_own_words_win(paths: dict[str, Any]) -> None:
    # the sign-in declares its own 401 (wrong username or password) and 429 (locked out)
    login = paths["/api/v1/auth/login"]["post"]["responses"]
    assert "Retry-After" in login["429"]["description"] or "too_many" in login["429"]["description"]


KEYED = [r for r in API if r.method == "POST" and r.audience is not Audience.PUBLIC]


@pytest.mark.parametrize("rule", KEYED, ids=lambda rule: f"{rule.method} {rule.path}")
def test_every_post_declares_a_reused_key(paths: dict[str, Any], rule: Any) -> None:
    """Every POST but the sign-in honours an Idempotency-Key, so any may answer 422
    idempotency_key_reused."""
    answer = paths[rule.path]["post"]["responses"]["422"]
    assert "idempotency_key_reused" in answer["description"]
