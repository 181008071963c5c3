"""Does a change to a contract break someone who already uses the topic?

Each topic's payload schema is committed in ``docs/contracts/<topic>.json``. Within one
topic version a schema may only grow: a new optional field, a new allowed value. These
break a consumer or a producer and need a new version (``...v2``, a new topic):

- a field removed (a consumer reads it);
- a field's type changed, nullability included (a consumer parses it);
- a new required field, or an optional one made required (a producer's messages, as they
  are, would be dead-lettered);
- an allowed value removed from an enum (a producer still sends it).

``kefu asyncapi --snapshots docs/contracts`` rewrites the snapshots, and refuses while a
change breaks one; a unit test (``make test``) runs the same comparison.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.contracts.base import Topic

_VERSION = re.compile(r"^(?P<base>.+)\.v(?P<n>\d+)$")


def schema_of(topic: Topic[Any]) -> dict[str, Any]:
    """The payload's JSON schema as a producer must meet it (validation mode)."""
    schema: dict[str, Any] = topic.model.model_json_schema(mode="validation")
    return schema


def snapshot_text(topic: Topic[Any]) -> str:
    return json.dumps(schema_of(topic), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in ``new`` breaks a user of ``old``, in words; empty when it only grew."""
    comparison = _Comparison(old, new)
    comparison.compare(old, new, "payload")
    return comparison.found


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].split("/")[-1]]
    return node


def _variants(root: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(root, node)
    choices = node.get("anyOf") or node.get("oneOf")
    if choices:
        return [v for choice in choices for v in _variants(root, choice)]
    return [node]


def _kind(node: dict[str, Any]) -> str:
    if "const" in node or "enum" in node:
        return f"enum of {node.get('type', 'any')}"
    kind = str(node.get("type", "any"))
    return f"{kind} ({node['format']})" if "format" in node else kind


def _allowed(node: dict[str, Any]) -> set[Any]:
    return {node["const"]} if "const" in node else set(node.get("enum", ()))


class _Comparison:
    """An old schema against a new one, each node resolved in its own document."""

    def __init__(self, old_root: dict[str, Any], new_root: dict[str, Any]) -> None:
        self.old_root, self.new_root = old_root, new_root
        self.found: list[str] = []

    def compare(self, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
        old_variants = {_kind(v): v for v in reversed(_variants(self.old_root, old))}
        new_variants = {_kind(v): v for v in reversed(_variants(self.new_root, new))}
        if sorted(old_variants) != sorted(new_variants):
            was, now = " | ".join(sorted(old_variants)), " | ".join(sorted(new_variants))
            self.found.append(f"{where}: type changed from {was} to {now}")
            return
        for kind, variant in old_variants.items():
            self.same_kind(variant, new_variants[kind], where)

    def same_kind(self, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
        removed = _allowed(old) - _allowed(new)
        if removed:
            self.found.append(f"{where}: allowed values removed: {sorted(map(str, removed))}")
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{where}[]")
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare(old_extra, new_extra, f"{where}{{}}")
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        for name, field in old_fields.items():
            if name not in new_fields:
                self.found.append(f"{where}.{name}: field removed")
            else:
                self.compare(field, new_fields[name], f"{where}.{name}")
        for name in sorted(set(new.get("required", ())) - set(old.get("required", ()))):
            state = "new required field" if name not in old_fields else "field made required"
            self.found.append(f"{where}.{name}: {state}")


def _version(name: str) -> tuple[str, int] | None:
    match = _VERSION.match(name)
    return (match["base"], int(match["n"])) if match else None


def problems(topics: Sequence[Topic[Any]], folder: Path) -> list[str]:
    """Every way the current contracts break the snapshots in ``folder``: a breaking change
    within a version, or a topic dropped with no newer version to move to."""
    current = {t.name: t for t in topics}
    found: list[str] = []
    for path in sorted(folder.glob("*.json")):
        name = path.name.removesuffix(".json")
        old = json.loads(path.read_text(encoding="utf-8"))
        if name in current:
            for change in breaking_changes(old, schema_of(current[name])):
                found.append(f"{name} {change}: publish it as a new version of the topic")
            continue
        version = _version(name)
        newer = version is not None and any(
            (v := _version(t)) is not None and v[0] == version[0] and v[1] > version[1]
            for t in current
        )
        if not newer:
            found.append(f"{name} is gone with no newer version: its consumers are left behind")
    return found


def write_snapshots(topics: Sequence[Topic[Any]], folder: Path) -> list[str]:
    """Record each topic's schema, unless a change breaks a snapshot (those are returned)."""
    refused = problems(topics, folder)
    if refused:
        return refused
    folder.mkdir(parents=True, exist_ok=True)
    for topic in topics:
        (folder / f"{topic.name}.json").write_text(snapshot_text(topic), encoding="utf-8")
    return []
