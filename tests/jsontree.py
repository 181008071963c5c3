"""Walking decoded JSON (answers, OpenAPI and AsyncAPI documents) in tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def strings_in(node: Any) -> Iterator[str]:
    """Every string value anywhere in ``node``, depth first."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)
