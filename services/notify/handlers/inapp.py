"""Deliver in-app messages to inboxes: once per dedupe key, in the subscriber's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.notify.domain.templates import joined_params, render
from services.notify.store import inbox as store
from shared.contracts import InappRequested
from shared.unit_of_work import UnitOfWork


def message_of(request: InappRequested, now: datetime) -> store.NewMessage:
    """The inbox row a request asks for; a template error raises (and goes to the DLQ)."""
    params = joined_params(request.template_id, request.params, {})  # no secret in an inbox
    rendered = render(request.template_id, params, request.text, request.title)
    return store.NewMessage(
        recipient_kind=request.recipient_kind,
        recipient=request.recipient,
        dedupe_key=request.dedupe_key,
        template_id=rendered.template_id,
        title=rendered.title,
        body=rendered.text,
        requested_by=request.requested_by,
        created_at=now,
    )


async def deliver(uow: UnitOfWork, requests: Sequence[InappRequested]) -> int:
    """Put each message in its inbox unless its dedupe key is there already; how many were new."""
    now = uow.now()
    messages = [message_of(r, now) for r in requests]
    return await store.insert_many(uow.conn, messages)
