"""Answers every gateway route can give, declared once for the OpenAPI document.

Some answers do not depend on the route: the input guard's 413 and 422 (a body too
large, a NUL character, an integer beyond bigint), the sign-in's 401 and the role
table's 403, 429 (sign-in throttling, a code asked again too soon) and 503 (a service
down, the password pool busy). Declaring them per route forgets some; here each
route under ``/api/v1`` gets those it does not already declare with its own words.
Commands (POST, PUT) may also answer 400 (``idempotency_key_required``) and 409 (the
same Idempotency-Key still in progress); a POST, 422 ``idempotency_key_reused`` (its
Idempotency-Key came before with another request: the gateway and the service behind
it refuse it alike); a command or a route naming a thing in its path, 404 (the thing,
or one the body names, is not there).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from services.gateway.api.models import errors
from services.gateway.domain.route_rule import API_PREFIX

COMMON = (401, 403, 413, 422, 429, 503)
COMMANDS = (400, 409)
_COMMAND_METHODS = frozenset({"post", "put", "patch", "delete"})
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_FASTAPI_422_WORDS = "Validation Error"
_INVALID = "Invalid input: a NUL character, an integer beyond bigint, a value out of range"
_DESCRIBED = {
    413: "The body is larger than this route takes (body_too_large)",
    422: _INVALID,
}
_KEYED_422 = (
    f"{_INVALID}; or idempotency_key_reused: this Idempotency-Key came before with another"
    " request (nothing changed; use a new key for each command)"
)


def common_answers(method: str, path: str) -> dict[str, dict[str, Any]]:
    """The answers (status → OpenAPI response object) any route like this one can give."""
    command = method.lower() in _COMMAND_METHODS
    statuses = COMMON + (COMMANDS if command else ())
    statuses += (404,) if "{" in path or command else ()
    declared = errors(*statuses)
    schema = {"$ref": "#/components/schemas/ErrorOut"}
    described = _DESCRIBED | ({422: _KEYED_422} if method.lower() == "post" else {})
    return {
        str(status): {
            "description": described.get(status, declared[status]["description"]),
            "content": {"application/json": {"schema": schema}},
        }
        for status in statuses
    }


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add the common answers a route does not declare (its own words win), each
    with the error body."""
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(f"{API_PREFIX}/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, common in common_answers(method, path).items():
                answer = responses.setdefault(status, common)
                # shared.input_guard declares 413 on every app's routes without a body;
                # FastAPI declares its validation error, which shared.http answers as
                # the error body (code invalid_request)
                if status == "413" or _FASTAPI_422 in str(answer.get("content")):
                    answer["content"] = common["content"]
                # FastAPI's own words say nothing of the key: a POST's 422 names it
                if status == "422" and answer.get("description") == _FASTAPI_422_WORDS:
                    answer["description"] = common["description"]
    schemas = document.get("components", {}).get("schemas", {})
    if _FASTAPI_422 not in json.dumps(document.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document


def declare_common_answers(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) declare the common answers."""
    document_of = app.openapi

    def openapi() -> dict[str, Any]:
        return complete(document_of())  # FastAPI caches the document: completing is idempotent

    app.openapi = openapi  # type: ignore[method-assign]
