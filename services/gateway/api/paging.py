"""Paging query parameters of the forwarded list routes, declared for the OpenAPI document
and passed on as given (the service behind validates them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Limit = Annotated[
    int | None, Query(ge=1, le=200, description="Page size (default 50, at most 200)")
]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page")]
