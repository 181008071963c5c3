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

import uuid
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from shared.contracts import TOPICS
from shared.contracts.base import Topic
from shared.contracts.examples import EXAMPLES, example_time
from shared.messaging.cloudevents import SPEC_VERSION

KAFKA_BINDING_VERSION = "0.5.0"
HEADER_NOTICE = (
    "# Generated from shared/contracts by `kefu asyncapi`. Do not edit: run `make asyncapi`.\n"
)
_PLATFORM_SOURCES = {"voucher": "/exchange-platform", "rental": "/bike-platform"}
PRODUCTION_BOOTSTRAP = "kafka-0.kafka.kafka.svc:9093"
"""An example address: the cluster's own is set with KEFU_KAFKA_BOOTSTRAP."""


def _source_of(topic: Topic[Any]) -> str:
    """An example ``ce_source``: our services publish as ``/kefu/<service>``."""
    if topic.producer == "platform":
        return _PLATFORM_SOURCES[topic.name.split(".")[0]]
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
                "description": "When it happened: RFC 3339, in UTC.",
            },
            "traceparent": {
                "type": "string",
                "description": "W3C trace context: the consumer continues this trace.",
                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            },
            "content-type": {"type": "string", "const": "application/json"},
        },
    }


def example_id(topic: Topic[Any]) -> str:
    """The example's ``ce_id``: the event's own id where the contract has one (the
    bike platform's ``event_id``), else a UUID fixed per topic, so no two examples share one."""
    event_id = EXAMPLES[topic.name].get("event_id")
    return str(event_id) if event_id else str(uuid.uuid5(uuid.NAMESPACE_URL, f"kefu:{topic.name}"))


def _example(topic: Topic[Any]) -> dict[str, Any]:
    payload = EXAMPLES[topic.name]
    return {
        "name": f"{_message_id(topic)}Example",
        "summary": f"{topic.summary} (key: {topic.key} = {payload[topic.key]})",
        "headers": {
            "ce_specversion": SPEC_VERSION,
            "ce_id": example_id(topic),
            "ce_source": _source_of(topic),
            "ce_type": topic.ce_type,
            "ce_time": example_time(payload),
            "content-type": "application/json",
        },
        "payload": payload,
    }


def _message_id(topic: Topic[Any]) -> str:
    """A channel's message is named after its payload model: ``VoucherIssued``."""
    return topic.model.__name__


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
                "title": topic.key,
                "type": "string",
                "description": f"The payload's {topic.key}: one aggregate's messages stay"
                " in order on one partition.",
                "examples": [str(EXAMPLES[topic.name][topic.key])],
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
            "messages": {_message_id(topic): {"$ref": f"#/components/messages/{message}"}},
            "bindings": _channel_binding(topic.name),
            "x-kefu-key": topic.key,
            "x-kefu-producer": topic.producer,
            "x-kefu-dlq": topic.dlq,
        }
        channels[topic.dlq] = {
            "address": topic.dlq,
            "title": topic.dlq,
            "summary": f"Dead letters of {topic.name}.",
            "messages": {
                f"{_message_id(topic)}DeadLetter": {"$ref": f"#/components/messages/{dlq_message}"}
            },
            "bindings": _channel_binding(topic.dlq),
        }
        if topic.producer != "platform":
            operations[f"{topic.name}.send"] = {
                "action": "send",
                "title": f"{topic.producer} publishes {topic.name}",
                "channel": {"$ref": f"#/channels/{topic.name}"},
                "messages": [{"$ref": f"#/channels/{topic.name}/messages/{_message_id(topic)}"}],
            }
        operations[f"{topic.name}.receive"] = {
            "action": "receive",
            "title": f"Consume {topic.name}",
            "summary": "Delivery is at least once: Kefu's consumers skip a ce_id they have seen.",
            "channel": {"$ref": f"#/channels/{topic.name}"},
            "messages": [{"$ref": f"#/channels/{topic.name}/messages/{_message_id(topic)}"}],
        }
        operations[f"{topic.dlq}.send"] = {
            "action": "send",
            "title": f"Kefu dead-letters {topic.name}",
            "channel": {"$ref": f"#/channels/{topic.dlq}"},
            "messages": [
                {"$ref": f"#/channels/{topic.dlq}/messages/{_message_id(topic)}DeadLetter"}
            ],
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
            " re-publish with the same ce_id when unsure. Times are RFC 3339; Kefu publishes"
            " them in UTC and accepts any offset. A change that could break a consumer or a"
            " producer (a field removed, a field's type changed, a new required field) makes"
            " a new topic version; `make test` compares each topic's schema with the one"
            " committed in docs/contracts/.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "development": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The embedded broker `kefu up` starts; KEFU_KAFKA_BOOTSTRAP"
                " points the services at another cluster.",
            },
            "production": {
                "host": PRODUCTION_BOOTSTRAP,
                "protocol": "kafka",
                "protocolVersion": "3.7",
                "description": "Apache Kafka, three brokers, replication factor 3 and"
                " min.insync.replicas 2. TLS with SASL/SCRAM-SHA-512: ask the platform team"
                " for a user per publishing service, allowed to write only its own topics.",
                "security": [{"$ref": "#/components/securitySchemes/scram"}],
                "tags": [{"name": "env:production"}],
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {**defs.get("$defs", {}), "DeadLetterHeaders": _dlq_headers()},
            "securitySchemes": {
                "scram": {
                    "type": "scramSha512",
                    "description": "SASL/SCRAM-SHA-512 over TLS (security.protocol SASL_SSL)."
                    " Kefu's services connect so with KEFU_KAFKA_SASL_MECHANISM=SCRAM-SHA-512,"
                    " KEFU_KAFKA_SASL_USERNAME, KEFU_KAFKA_SASL_PASSWORD and KEFU_KAFKA_TLS=true.",
                }
            },
        },
    }


def asyncapi_yaml(topics: Sequence[Topic[Any]] = TOPICS) -> str:
    body = yaml.safe_dump(asyncapi_document(topics), sort_keys=False, allow_unicode=True, width=100)
    return HEADER_NOTICE + body
