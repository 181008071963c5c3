"""The AsyncAPI 3.0 document of every topic, generated from the contracts.

Other teams read it to publish to us without reading our code: per topic its
payload schema (the pydantic model's JSON schema), the Kafka key, who produces
it, the CloudEvents binary-mode headers, and its dead-letter topic.

Built here rather than by FastStream's generator: FastStream 0.7.8 documents
neither message headers nor the Kafka key, and knows nothing of our DLQs.
``docs/asyncapi.yaml`` is this document; a unit test keeps it current
(``make asyncapi`` rewrites it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from shared.contracts import TOPICS
from shared.contracts.base import Topic
from shared.messaging.cloudevents import SPEC_VERSION

KAFKA_BINDING_VERSION = "0.5.0"
HEADER_NOTICE = (
    "# Generated from shared/contracts by `kefu asyncapi`. Do not edit: run `make asyncapi`.\n"
)
_EXAMPLE_SOURCE = {"platform": "/exchange-platform"}
EXAMPLES: dict[str, dict[str, Any]] = {
    "voucher.issued.v1": {
        "merchant_order_no": "M20181230101322001",
        "user_id": "U10001",
        "phone": "13800138000",
        "source": "bubble",
        "points_deducted": 2000,
        "deduction_status": "deducted",
        "exchanged_at": "2018-12-30T10:13:22+08:00",
        "vouchers": [
            {
                "code": "22015118222201812301",
                "face_value": "10.00",
                "valid_from": "2018-12-30",
                "valid_to": "2019-01-29",
            }
        ],
    },
    "voucher.redeemed.v1": {
        "code": "22015118222201812301",
        "redeemed_at": "2019-01-03T19:42:10+08:00",
        "store_id": "S0351",
    },
}
"""Payloads as other teams publish them (a unit test checks each against its contract)."""


def _source_of(topic: Topic[Any]) -> str:
    """An example ``ce_source``: our services publish as ``/kefu/<service>``."""
    if topic.producer in _EXAMPLE_SOURCE:
        return _EXAMPLE_SOURCE[topic.producer]
    return f"/kefu/{topic.producer}" if topic.producer.isidentifier() else "/kefu/<service>"


def _headers(topic: Topic[Any]) -> dict[str, Any]:
    source = _source_of(topic)
    return {
        "type": "object",
        "description": "CloudEvents Kafka protocol binding, binary mode;"
        " the value is the JSON payload.",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type"],
        "properties": {
            "ce_specversion": {"type": "string", "const": SPEC_VERSION},
            "ce_id": {
                "type": "string",
                "description": "Unique per message. Consumers apply a message once per id:"
                " a redelivery with the same id changes nothing.",
            },
            "ce_source": {
                "type": "string",
                "description": "Who published it (a URI reference).",
                "examples": [source],
            },
            "ce_type": {"type": "string", "const": topic.ce_type},
            "ce_time": {
                "type": "string",
                "format": "date-time",
                "description": "When it happened (RFC 3339).",
            },
            "traceparent": {
                "type": "string",
                "description": "W3C trace context: the consumer continues this trace.",
                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            },
            "content-type": {"type": "string", "const": "application/json"},
        },
    }


def _example(topic: Topic[Any]) -> dict[str, Any]:
    payload = EXAMPLES[topic.name]
    return {
        "name": "sample",
        "headers": {
            "ce_specversion": SPEC_VERSION,
            "ce_id": "0b6f3a52-6d0e-4f7c-9a51-3c2e8d1f4a77",
            "ce_source": _source_of(topic),
            "ce_type": topic.ce_type,
            "ce_time": payload.get("exchanged_at") or payload.get("redeemed_at"),
            "content-type": "application/json",
        },
        "payload": payload,
    }


def _dlq_headers() -> dict[str, Any]:
    reasons = (
        "invalid_headers, invalid_payload (the contract rejects it), retries_exhausted,"
        " or the code of the business rule that refuses it for good"
    )
    return {
        "type": "object",
        "description": "The original message's headers and value, plus why it was set aside.",
        "required": ["kefu_dlq_reason", "kefu_dlq_error", "kefu_dlq_topic"],
        "properties": {
            "kefu_dlq_reason": {"type": "string", "description": reasons},
            "kefu_dlq_error": {"type": "string", "description": "The error, in words."},
            "kefu_dlq_topic": {"type": "string"},
            "kefu_dlq_partition": {"type": "string"},
            "kefu_dlq_offset": {"type": "string"},
            "kefu_dlq_consumer": {"type": "string"},
            "kefu_dlq_at": {"type": "string", "format": "date-time"},
        },
    }


def _key_binding(topic: Topic[Any]) -> dict[str, Any]:
    return {
        "kafka": {
            "key": {
                "type": "string",
                "description": f"The payload's {topic.key}: one aggregate's messages stay"
                " in order on one partition.",
            },
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _channel_binding(name: str) -> dict[str, Any]:
    return {"kafka": {"topic": name, "bindingVersion": KAFKA_BINDING_VERSION}}


def asyncapi_document(topics: Sequence[Topic[Any]] = TOPICS) -> dict[str, Any]:
    _, defs = models_json_schema(
        [(t.model, "validation") for t in topics],
        ref_template="#/components/schemas/{model}",
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in topics:
        producer = "other teams' platforms" if topic.producer == "platform" else topic.producer
        message = f"{topic.name}.message"
        dlq_message = f"{topic.name}.dead-letter"
        messages[message] = {
            "name": topic.model.__name__,
            "title": topic.name,
            "summary": topic.summary,
            "contentType": "application/json",
            "correlationId": {"location": "$message.header#/ce_id"},
            "headers": _headers(topic),
            "payload": {"$ref": f"#/components/schemas/{topic.model.__name__}"},
            "bindings": _key_binding(topic),
        }
        if topic.name in EXAMPLES:
            messages[message]["examples"] = [_example(topic)]
        messages[dlq_message] = {
            "name": f"{topic.model.__name__}DeadLetter",
            "title": f"{topic.dlq}",
            "summary": f"A {topic.name} message a consumer could never apply.",
            "description": "The value is the original bytes, which may not match the contract.",
            "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
            "payload": {},
            "bindings": _key_binding(topic),
        }
        channels[topic.name] = {
            "address": topic.name,
            "title": topic.name,
            "summary": topic.summary,
            "description": f"Key: `{topic.key}`. Produced by {producer}."
            f" Messages no consumer can apply go to `{topic.dlq}`.",
            "messages": {"message": {"$ref": f"#/components/messages/{message}"}},
            "bindings": _channel_binding(topic.name),
            "x-kefu-key": topic.key,
            "x-kefu-producer": topic.producer,
            "x-kefu-dlq": topic.dlq,
        }
        channels[topic.dlq] = {
            "address": topic.dlq,
            "title": topic.dlq,
            "summary": f"Dead letters of {topic.name}.",
            "messages": {"message": {"$ref": f"#/components/messages/{dlq_message}"}},
            "bindings": _channel_binding(topic.dlq),
        }
        if topic.producer != "platform":
            operations[f"{topic.name}.send"] = {
                "action": "send",
                "title": f"{topic.producer} publishes {topic.name}",
                "channel": {"$ref": f"#/channels/{topic.name}"},
                "messages": [{"$ref": f"#/channels/{topic.name}/messages/message"}],
            }
        operations[f"{topic.name}.receive"] = {
            "action": "receive",
            "title": f"Consume {topic.name}",
            "summary": "Delivery is at least once: Kefu's consumers skip a ce_id they have seen.",
            "channel": {"$ref": f"#/channels/{topic.name}"},
            "messages": [{"$ref": f"#/channels/{topic.name}/messages/message"}],
        }
        operations[f"{topic.dlq}.send"] = {
            "action": "send",
            "title": f"Kefu dead-letters {topic.name}",
            "channel": {"$ref": f"#/channels/{topic.dlq}"},
            "messages": [{"$ref": f"#/channels/{topic.dlq}/messages/message"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kefu messages",
            "version": "1.0.0",
            "description": "The Kafka topics of the Kefu customer-service back office."
            " Topic names are `<domain>.<event>.v<N>`; within a version a schema changes"
            " only by adding optional fields, and unknown fields are ignored."
            " Delivery is at least once: publish with a unique ce_id per message and"
            " re-publish with the same ce_id when unsure.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "development": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The embedded broker `kefu up` starts; KEFU_KAFKA_BOOTSTRAP"
                " points the services at another cluster.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {**defs.get("$defs", {}), "DeadLetterHeaders": _dlq_headers()},
        },
    }


def asyncapi_yaml(topics: Sequence[Topic[Any]] = TOPICS) -> str:
    body = yaml.safe_dump(asyncapi_document(topics), sort_keys=False, allow_unicode=True, width=100)
    return HEADER_NOTICE + body
