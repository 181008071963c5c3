"""After-sales errors, each with the code the gateway and the agent see."""

from __future__ import annotations

from shared.errors import DomainError, Forbidden, InvalidInput, NotFound


class InvalidAddress(InvalidInput):
    """The seed: a return address must have three levels (某省某市某区)."""

    code = "invalid_return_address"


class ActivationPending(DomainError):
    code = "activation_pending"


class ActivationAlreadyApproved(DomainError):
    code = "activation_already_approved"


class ActivationNotPending(DomainError):
    code = "activation_not_pending"


class ActivationNotFound(NotFound):
    code = "activation_not_found"


class SellerNotActivated(DomainError):
    code = "seller_not_activated"


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class TicketNotReviewable(DomainError):
    code = "ticket_not_reviewable"


class TicketNotAwaitingReceipt(DomainError):
    code = "ticket_not_awaiting_receipt"


class TicketNotAwaitingProcessing(DomainError):
    code = "ticket_not_awaiting_processing"


class InvalidTicket(InvalidInput):
    code = "invalid_ticket"


class BatchNotAllowed(InvalidInput):
    code = "batch_not_allowed"


class PermissionMissing(Forbidden):
    """Review and processing are separate permissions (seed 002: 审核和处理权限分开)."""

    code = "permission_missing"


class SameReviewer(Forbidden):
    code = "same_person"


class TooManyImages(InvalidInput):
    code = "too_many_images"


class ImageTooLarge(InvalidInput):
    status = 413
    code = "image_too_large"


class InvalidImage(InvalidInput):
    code = "invalid_image"


class ImageNotFound(NotFound):
    code = "image_not_found"


class InvalidTicketQuery(InvalidInput):
    code = "invalid_ticket_query"


class NotMainAccount(Forbidden):
    """Seed 002: the seller's main account configures its staff (主账号进行员工权限配置)."""

    code = "not_main_account"


class NotSellerStaff(Forbidden):
    """A reviewer or processor acts only for the sellers they serve, with the permission
    the seller's main account gave them (子账户需要主账户分配)."""

    code = "not_seller_staff"


class InvalidStaff(InvalidInput):
    code = "invalid_staff"


class RegionNotFound(NotFound):
    code = "region_not_found"
