"""The AsyncAPI document: complete for every topic, and docs/asyncapi.yaml kept current."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from shared.contracts import TOPICS
from shared.contracts.asyncapi import EXAMPLES, asyncapi_document, asyncapi_yaml

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
        message = resolve(doc, channel["messages"]["message"]["$ref"])
        headers = message["headers"]
        assert set(headers["required"]) == {"ce_specversion", "ce_id", "ce_source", "ce_type"}
        assert {"ce_time", "traceparent"} <= set(headers["properties"])
        assert headers["properties"]["ce_type"]["const"] == topic.ce_type
        assert topic.key in message["bindings"]["kafka"]["key"]["description"]
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
