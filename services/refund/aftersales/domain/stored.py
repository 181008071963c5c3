"""Service tickets as the stores hand them out (read models): the ticket the rules work on
with what is only shown, its history, its images, and an overdue ticket's stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.refund.aftersales.domain.tickets import Stage, Ticket


@dataclass(frozen=True)
class StoredTicket:
    """A ticket as stored: its rules' state, and what the customer service agent wrote."""

    ticket: Ticket
    order_no: str
    customer_id: str
    service_type: str
    description: str
    created_by: str


@dataclass(frozen=True)
class OverdueTicket:
    """A ticket late in a stage, and when its staff were reminded of it (None: not yet)."""

    stored: StoredTicket
    stage: Stage
    reminded_at: datetime | None = None


@dataclass(frozen=True)
class TicketEvent:
    """What one action did to a ticket (append-only); the system's marked as such."""

    action: str
    actor: str
    actor_kind: str
    from_status: str | None
    to_status: str
    outcome: str | None
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class TicketImage:
    """An image's description, without its bytes."""

    id: int
    ticket_id: int
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    uploaded_by: str
    uploaded_at: datetime
