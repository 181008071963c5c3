"""The gateway documents the very answers the services give: one declaration in shared.api.

A copy of a service's answer model in the gateway would drift from it; here every forwarded
voucher, points and notify route's answer schema in the gateway's OpenAPI document must be
the service's own, field for field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from services.gateway.app import create_app as gateway_app
from services.gateway.domain.routes import ROUTES
from services.notify.app import create_app as notify_app
from services.points.app import create_app as points_app
from services.voucher.app import create_app as voucher_app
from shared.settings import Settings

SETTINGS = Settings(database_url="postgresql://unused/x")
SERVICES: dict[str, Callable[[Settings], FastAPI]] = {
    "notify": notify_app,
    "points": points_app,
    "voucher": voucher_app,
}


def _answer_model(operation: dict[str, Any]) -> str | None:
    for status in ("200", "201"):
        answer = operation.get("responses", {}).get(status, {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if ref:
            return str(ref).rsplit("/", 1)[1]
    return None


def _with_nested(models: set[str], schemas: dict[str, Any]) -> set[str]:
    """``models`` and every schema they refer to, however deep."""
    found, todo = set(), list(models)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            text = str(schemas.get(name, {}))
            todo += [part.split("'")[0] for part in text.split("#/components/schemas/")[1:]]
    return found


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    built = {name: create(SETTINGS).openapi() for name, create in SERVICES.items()}
    return {"gateway": gateway_app(SETTINGS).openapi(), **built}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_documented_answer_is_the_services_own(
    docs: dict[str, dict[str, Any]], service: str
) -> None:
    gateway, own = docs["gateway"], docs[service]["components"]["schemas"]
    documented = {
        model
        for rule in ROUTES
        if rule.service == service
        if (model := _answer_model(gateway["paths"][rule.path][rule.method.lower()]))
    }
    assert documented, f"no answer of the {service} service is documented"
    for model in _with_nested(documented, gateway["components"]["schemas"]):
        assert model in own, f"{model}: declared by the gateway, not answered by {service}"
        assert gateway["components"]["schemas"][model] == own[model], model


def test_a_services_answer_names_every_field_it_sends(docs: dict[str, dict[str, Any]]) -> None:
    # the voucher list's rows carry the customer's masked phone and the redemption: the
    # gateway's document once left them out
    row = docs["gateway"]["components"]["schemas"]["VoucherOut"]["properties"]
    assert {"phone", "user_id", "redeemed_at", "store_id"} <= set(row)
    record = docs["gateway"]["components"]["schemas"]["OperationOut"]["properties"]
    assert record["operation_no"]["type"] == "integer"
