"""The one time-zone rule on the wire: answers in the business zone, events in UTC."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ValidationError

from shared.settings import SERVICES, Settings
from shared.timestamps import DEFAULT_ZONE, Timestamp, UtcTimestamp, use_business_zone
from tests.jsontree import strings_in

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


class Answer(BaseModel):
    at: Timestamp
    done_at: Timestamp | None = None


class Event(BaseModel):
    at: UtcTimestamp


@pytest.fixture(autouse=True)
def business_zone() -> Iterator[None]:
    yield
    use_business_zone(ZoneInfo(DEFAULT_ZONE))


def test_an_answer_writes_a_utc_time_with_the_business_zones_offset() -> None:
    answer = Answer(at=datetime(2026, 11, 23, 12, 18, tzinfo=UTC), done_at=None)
    assert answer.model_dump(mode="json") == {"at": "2026-11-23T20:18:00+08:00", "done_at": None}


def test_the_business_zone_is_the_services_setting() -> None:
    use_business_zone(ZoneInfo("Europe/Paris"))
    answer = Answer(at=datetime(2026, 11, 23, 12, 18, tzinfo=UTC))
    assert answer.model_dump(mode="json")["at"] == "2026-11-23T13:18:00+01:00"


def test_an_event_carries_utc_whatever_offset_it_was_given() -> None:
    event = Event.model_validate({"at": "2026-11-23T20:18:00+08:00"})
    assert event.model_dump_json() == '{"at":"2026-11-23T12:18:00Z"}'


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValidationError):
        Answer(at=datetime(2026, 11, 23, 12, 18))  # noqa: DTZ001


def _reachable(document: dict[str, Any], node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.split("/")[-1] not in found:
            name = ref.split("/")[-1]
            found.add(name)
            _reachable(document, document["components"]["schemas"][name], found)
        for value in node.values():
            _reachable(document, value, found)
    elif isinstance(node, list):
        for value in node:
            _reachable(document, value, found)


def _date_times(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            yield node
        for value in node.values():
            yield from _date_times(value)
    elif isinstance(node, list):
        for value in node:
            yield from _date_times(value)


def _examples(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("example", "examples", "default"):
                yield from (v for v in strings_in(value) if TIMESTAMP.match(v))
            else:
                yield from _examples(value)
    elif isinstance(node, list):
        for value in node:
            yield from _examples(value)


@pytest.mark.parametrize("service", SERVICES)
def test_every_time_in_an_answer_schema_is_a_business_zone_timestamp(service: str) -> None:
    document = importlib.import_module(f"services.{service}.app").create_app(Settings()).openapi()
    answers: set[str] = set()
    for operation in (op for path in document["paths"].values() for op in path.values()):
        _reachable(document, operation.get("responses", {}), answers)
    schemas = document.get("components", {}).get("schemas", {})
    untyped = [
        name
        for name in sorted(answers)
        for node in _date_times(schemas[name])
        if node.get("x-kefu-time-zone") != "KEFU_TIMEZONE"
    ]
    assert not untyped, f"use shared.timestamps.Timestamp for answer times: {untyped}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_timestamp_example_in_the_openapi_document_has_the_business_offset(
    service: str,
) -> None:
    document = importlib.import_module(f"services.{service}.app").create_app(Settings()).openapi()
    examples = list(_examples(document))
    assert all(e.endswith("+08:00") for e in examples), examples
    if service == "gateway":
        assert examples
