"""From the shared HTTP shapes (shared/api/aftersales.py) to the domain, and from the
rows back to the shapes."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.activation import (
    ReturnAddress,
    reapply_refusal,
    review_refusal,
)
from services.refund.aftersales.domain.images import Upload
from services.refund.aftersales.domain.tickets import (
    NewTicket,
    ProcessingResult,
    Review,
    ReviewOutcome,
    ServiceType,
    TicketAction,
    TicketStatus,
)
from services.refund.aftersales.store.activations import activation_of
from shared.api.aftersales import (
    ActivationOut,
    AddressIn,
    ImageIn,
    ImageOut,
    TicketIn,
    TicketOut,
)
from shared.http import Actor
from shared.masking import mask_phone


def return_address(a: AddressIn) -> ReturnAddress:
    return ReturnAddress(a.province, a.city, a.district, a.street, a.contact_name, a.contact_phone)


def upload(image: ImageIn) -> Upload:
    return Upload(image.filename, image.content_type, image.data_base64)


def new_ticket(t: TicketIn) -> NewTicket:
    return NewTicket(
        t.seller_id,
        t.application_no,
        t.order_no,
        t.customer_id,
        ServiceType(t.service_type),
        t.description,
    )


def review_of(outcome: str, reason: str | None) -> Review:
    return Review(ReviewOutcome(outcome), reason)


def processing_result(result: str) -> ProcessingResult:
    return ProcessingResult(result)


def activation_out(row: asyncpg.Record, actor: Actor, *, masked: bool = False) -> ActivationOut:
    """The application as ``actor`` sees it: may they apply again now (its main account,
    after a rejection)? may they review it now (an operations supervisor who did not send
    it, while it waits)?"""
    phone = row["contact_phone"]
    activation = activation_of(row)
    reviewer = bool(permissions.ACTIVATION_REVIEWERS & frozenset(actor.roles))
    return ActivationOut(
        seller_id=row["seller_id"],
        status=row["status"],
        return_address=AddressIn(
            province=row["province"],
            city=row["city"],
            district=row["district"],
            street=row["street"],
            contact_name=row["contact_name"],
            contact_phone=mask_phone(phone) if masked else phone,
        ),
        rejection_reason=row["rejection_reason"],
        submitted_by=row["submitted_by"],
        submitted_at=row["submitted_at"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        attempts=row["attempts"],
        can_apply_again=reapply_refusal(activation, actor.username) is None,
        can_review=reviewer and review_refusal(activation, actor.username) is None,
    )


def image_out(row: asyncpg.Record) -> ImageOut:
    return ImageOut(
        id=row["id"],
        kind=row["kind"],
        filename=row["filename"],
        content_type=row["content_type"],
        size_bytes=row["size_bytes"],
        uploaded_by=row["uploaded_by"],
        uploaded_at=row["uploaded_at"],
    )


def ticket_out(row: asyncpg.Record, actions: Sequence[TicketAction]) -> TicketOut:
    """The ticket as it is shown, with the buttons the caller's rule gave (``actions_for``)."""
    status = TicketStatus(row["status"])
    return TicketOut(
        id=row["id"],
        seller_id=row["seller_id"],
        application_no=row["application_no"],
        order_no=row["order_no"],
        customer_id=row["customer_id"],
        service_type=row["service_type"],
        description=row["description"],
        status=status,
        outcome=row["outcome"],
        review_reason=row["review_reason"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        processing_result=row["processing_result"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        review_due_at=row["review_due_at"],
        receipt_due_at=row["receipt_due_at"],
        processing_due_at=row["processing_due_at"],
        actions=[a.value for a in actions],
    )
