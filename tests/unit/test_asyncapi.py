"""The AsyncAPI document: complete for every topic, and docs/asyncapi.yaml kept current."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from shared.contracts import TOPICS
from shared.contracts.asyncapi import asyncapi_document, asyncapi_yaml
from shared.contracts.base import Topic
from shared.contracts.examples import EXAMPLES
from tests.jsontree import strings_in

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


def test_docs_asyncapi_yaml_is_what_the_contracts_generate() -> None:
    assert DOC.exists(), "docs/asyncapi.yaml is missing: run `make asyncapi`"
    written, generated = DOC.read_text(encoding="utf-8"), asyncapi_yaml()
    diff = "".join(
        list(
            difflib.unified_diff(
                written.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "docs/asyncapi.yaml",
                "generated from shared/contracts",
            )
        )[:40]
    )
    assert written == generated, (
        f"docs/asyncapi.yaml differs from the contracts: run `make asyncapi`\n{diff}"
    )


def test_every_topic_has_its_key_producer_headers_and_dlq() -> None:
    doc = yaml.safe_load(asyncapi_yaml())
    assert doc["asyncapi"] == "3.0.0"
    for topic in TOPICS:
        channel = doc["channels"][topic.name]
        assert channel["address"] == topic.name
        assert channel["x-kefu-key"] == topic.key
        assert channel["x-kefu-producer"] == topic.producer
        assert channel["x-kefu-dlq"] == topic.dlq
        assert doc["channels"][topic.dlq]["address"] == topic.dlq
        [(message_id, ref)] = channel["messages"].items()
        assert message_id == topic.model.__name__  # named after what it carries
        message = resolve(doc, ref["$ref"])
        headers = message["headers"]
        assert set(headers["required"]) == {"ce_specversion", "ce_id", "ce_source", "ce_type"}
        assert {"ce_time", "traceparent"} <= set(headers["properties"])
        assert headers["properties"]["ce_type"]["const"] == topic.ce_type
        key = message["bindings"]["kafka"]["key"]
        assert key["title"] == topic.key and topic.key in key["description"]
        payload = resolve(doc, message["payload"]["$ref"])
        assert set(payload["required"]) == {
            name for name, f in topic.model.model_fields.items() if f.is_required()
        }
        assert f"{topic.name}.receive" in doc["operations"]
        assert f"{topic.dlq}.send" in doc["operations"]
        assert (f"{topic.name}.send" in doc["operations"]) == (topic.producer != "platform")


def test_every_reference_resolves() -> None:
    doc = asyncapi_document()
    refs = list(_refs(doc))
    assert len(refs) > 20
    for ref in refs:
        assert resolve(doc, ref) is not None, ref


def test_examples_satisfy_their_contracts() -> None:
    by_name = {t.name: t for t in TOPICS}
    for name, payload in EXAMPLES.items():
        by_name[name].model.model_validate(payload)


UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _schema_in(doc: dict[str, Any], node: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``node`` whose ``#/components/...`` references resolve in ``doc``."""
    return Draft202012Validator(
        {**node, "components": doc["components"]}, format_checker=FormatChecker()
    )


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_every_message_has_an_example_valid_against_its_schema(topic: Topic[Any]) -> None:
    doc = asyncapi_document()
    message = doc["components"]["messages"][f"{topic.name}.message"]
    [example] = message["examples"]
    _schema_in(doc, message["payload"]).validate(example["payload"])
    _schema_in(doc, message["headers"]).validate(example["headers"])
    topic.model.model_validate(example["payload"])
    assert example["headers"]["ce_type"] == topic.ce_type
    key = message["bindings"]["kafka"]["key"]
    assert key["examples"] == [str(example["payload"][topic.key])]
    # events carry UTC: the header and every time in the payload
    assert UTC_TIME.match(example["headers"]["ce_time"])
    times = [v for v in strings_in(example["payload"]) if re.match(r"^\d{4}-\d{2}-\d{2}T", v)]
    assert all(UTC_TIME.match(t) for t in times), times


def test_example_ids_and_names_are_distinct() -> None:
    doc = asyncapi_document()
    examples = [m["examples"][0] for m in doc["components"]["messages"].values() if "examples" in m]
    assert len(examples) == len(TOPICS)
    ids = [e["headers"]["ce_id"] for e in examples]
    assert len(set(ids)) == len(ids), ids
    assert len({e["name"] for e in examples}) == len(examples)


def test_the_production_server_has_a_security_scheme_the_services_can_speak() -> None:
    doc = asyncapi_document()
    production = doc["servers"]["production"]
    [scheme] = [resolve(doc, s["$ref"]) for s in production["security"]]
    assert scheme["type"] == "scramSha512"
    assert "KEFU_KAFKA_SASL_MECHANISM=SCRAM-SHA-512" in scheme["description"]


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _refs(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
