"""A change to a contract that would break a topic's consumers or producers fails `make test`
unless the topic's version is bumped; the committed schemas are those of the contracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from shared.contracts import TOPICS
from shared.contracts.base import Contract, Topic
from shared.contracts.compat import breaking_changes, problems, schema_of, write_snapshots
from shared.timestamps import UtcTimestamp

SNAPSHOTS = Path(__file__).resolve().parents[2] / "docs" / "contracts"


def test_no_contract_breaks_its_committed_schema() -> None:
    assert problems(TOPICS, SNAPSHOTS) == []


def test_every_topic_has_its_schema_committed_as_it_is() -> None:
    stale = [
        t.name
        for t in TOPICS
        if not (SNAPSHOTS / f"{t.name}.json").exists()
        or json.loads((SNAPSHOTS / f"{t.name}.json").read_text(encoding="utf-8")) != schema_of(t)
    ]
    assert stale == [], f"run `make asyncapi` to record {stale}"


class Line(Contract):
    code: str
    cents: int


class Shipped(Contract):
    order_no: str
    state: Literal["paid", "sent"]
    lines: list[Line]
    note: str | None = None
    at: UtcTimestamp


def _topic(model: type[Contract], name: str = "shop.shipped.v1") -> Topic[Any]:
    return Topic(name, model, key="order_no", summary="", producer="shop")


def _changes(new: type[Contract]) -> list[str]:
    return breaking_changes(schema_of(_topic(Shipped)), schema_of(_topic(new)))


def test_growing_a_contract_breaks_nobody() -> None:
    class Grown(Contract):
        order_no: str = Field(description="now documented")
        state: Literal["paid", "sent", "returned"]
        lines: list[Line]
        note: str | None = None
        at: UtcTimestamp
        carrier: str | None = None

    assert _changes(Grown) == []


def test_a_removed_field_breaks_consumers() -> None:
    class Removed(Contract):
        order_no: str
        state: Literal["paid", "sent"]
        lines: list[Line]
        at: UtcTimestamp

    assert _changes(Removed) == ["payload.note: field removed"]


def test_a_changed_type_breaks_consumers_nullability_and_nested_fields_included() -> None:
    class NestedLine(Contract):
        code: str
        cents: str

    class Retyped(Contract):
        order_no: int
        state: Literal["paid", "sent"]
        lines: list[NestedLine]
        note: str | None = None
        at: UtcTimestamp | None

    assert _changes(Retyped) == [
        "payload.order_no: type changed from string to integer",
        "payload.lines[].cents: type changed from integer to string",
        "payload.at: type changed from string (date-time) to null | string (date-time)",
    ]


def test_a_new_required_field_or_a_removed_value_breaks_producers() -> None:
    class Stricter(Contract):
        order_no: str
        state: Literal["paid"]
        lines: list[Line]
        note: str | None
        at: UtcTimestamp
        warehouse: str

    assert _changes(Stricter) == [
        "payload.state: allowed values removed: ['sent']",
        "payload.note: field made required",
        "payload.warehouse: new required field",
    ]


def test_a_breaking_change_is_refused_unless_the_version_is_bumped(tmp_path: Path) -> None:
    class Removed(Contract):
        order_no: str
        state: Literal["paid", "sent"]
        lines: list[Line]
        at: UtcTimestamp

    assert write_snapshots([_topic(Shipped)], tmp_path) == []
    refused = write_snapshots([_topic(Removed)], tmp_path)
    assert refused == [
        "shop.shipped.v1 payload.note: field removed: publish it as a new version of the topic"
    ]
    assert json.loads((tmp_path / "shop.shipped.v1.json").read_text()) == schema_of(_topic(Shipped))
    # the same change as v2, with v1 retired: its consumers have a version to move to
    assert write_snapshots([_topic(Removed, "shop.shipped.v2")], tmp_path) == []
    assert problems([], tmp_path) == [
        "shop.shipped.v1 is gone with no newer version: its consumers are left behind",
        "shop.shipped.v2 is gone with no newer version: its consumers are left behind",
    ]
