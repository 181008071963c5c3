"""From the shared HTTP shapes (shared/api/aftersales.py) to the domain, and from the
rows back to the shapes."""

from __future__ import annotations

from collections.abc import Sequence

from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.activation import (
    Activation,
    ReturnAddress,
    reapply_refusal,
    review_refusal,
)
from services.refund.aftersales.domain.images import Upload
from services.refund.aftersales.domain.stored import StoredTicket, TicketImage
from services.refund.aftersales.domain.tickets import (
    NewTicket,
    ProcessingResult,
    Review,
    ReviewOutcome,
    ServiceType,
    TicketAction,
)
from services.refund.api.common import fields_of
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


def activation_out(a: Activation, actor: Actor, *, masked: bool = False) -> ActivationOut:
    """The application as ``actor`` sees it: may they apply again now (its main account,
    after a rejection)? may they review it now (an operations supervisor who did not send
    it, while it waits)?"""
    address, phone = a.address, a.address.contact_phone
    reviewer = bool(permissions.ACTIVATION_REVIEWERS & frozenset(actor.roles))
    return ActivationOut(
        seller_id=a.seller_id,
        status=a.status.value,
        return_address=AddressIn(
            province=address.province,
            city=address.city,
            district=address.district,
            street=address.street,
            contact_name=address.contact_name,
            contact_phone=mask_phone(phone) if masked else phone,
        ),
        rejection_reason=a.rejection_reason,
        submitted_by=a.submitted_by,
        submitted_at=a.submitted_at,
        reviewed_by=a.reviewed_by,
        reviewed_at=a.reviewed_at,
        attempts=a.attempts,
        can_apply_again=reapply_refusal(a, actor.username) is None,
        can_review=reviewer and review_refusal(a, actor.username) is None,
    )


def image_out(image: TicketImage) -> ImageOut:
    return ImageOut.model_validate(fields_of(image))


def ticket_out(stored: StoredTicket, actions: Sequence[TicketAction]) -> TicketOut:
    """The ticket as it is shown, with the buttons the caller's rule gave (``actions_for``)."""
    t = stored.ticket
    return TicketOut.model_validate(
        fields_of(t)
        | fields_of(stored)
        | {
            "outcome": t.outcome.value if t.outcome else None,
            "processing_result": t.processing_result.value if t.processing_result else None,
            "actions": [a.value for a in actions],
        }
    )
