"""In-app messages: a per-person inbox (customers by user id, staff by username)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InboxMessage:
    id: int
    title: str | None
    body: str
    template_id: str | None
    created_at: datetime
    read_at: datetime | None
    """When it was first read; None while unread."""
