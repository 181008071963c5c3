"""A seller's self-service after-sales activation (开通自主售后) and its review.

The seller gives a return address of three levels (province, city, district, then
the street): returns come back there, so it must be exact. The application waits
for review; approved, the seller's tickets can be opened; rejected, the seller sees
why and may apply again with a corrected address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.refund.aftersales.domain.errors import (
    ActivationAlreadyApproved,
    ActivationNotPending,
    ActivationPending,
    InvalidAddress,
    NotMainAccount,
    SameReviewer,
)
from shared.errors import DomainError, ReasonRequired

MAX_LEVEL = 50
MAX_STREET = 200
MAX_REASON = 500
_PHONE = re.compile(r"^\+?[0-9][0-9-]{5,19}$")


class ActivationStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReturnAddress:
    province: str
    city: str
    district: str
    street: str
    contact_name: str
    contact_phone: str


@dataclass(frozen=True)
class ActivationEvent:
    """What happened to an application (append-only): applied, approved, rejected."""

    action: str
    actor: str
    status: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class Activation:
    seller_id: str
    status: ActivationStatus
    address: ReturnAddress
    submitted_by: str
    submitted_at: datetime
    rejection_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    attempts: int = 1
    main_account: str = ""
    """Who applied first: the seller's main account (主账号), which manages its staff."""


def check_address(address: ReturnAddress, levels: int = 3) -> ReturnAddress:
    """``levels``: how many of province, city and district the national list has on this
    address's path (``regions.levels_of``); those are required, the rest may be empty."""
    cleaned = ReturnAddress(*(v.strip() for v in _fields(address)))
    named = (("province", cleaned.province), ("city", cleaned.city), ("district", cleaned.district))
    for depth, (label, value) in enumerate(named, start=1):
        shortest = 1 if depth <= levels else 0
        if not shortest <= len(value) <= MAX_LEVEL:
            raise InvalidAddress(
                f"the return address needs its {label} (three levels: province, city, district)"
            )
    if not 1 <= len(cleaned.street) <= MAX_STREET:
        raise InvalidAddress(f"the return address needs a street of 1 to {MAX_STREET} characters")
    if not 1 <= len(cleaned.contact_name) <= MAX_LEVEL:
        raise InvalidAddress("the return address needs a contact name")
    if not _PHONE.match(cleaned.contact_phone):
        raise InvalidAddress("the contact phone is not a phone number")
    return cleaned


def _fields(a: ReturnAddress) -> tuple[str, ...]:
    return (a.province, a.city, a.district, a.street, a.contact_name, a.contact_phone)


def reapply_refusal(current: Activation, actor: str) -> DomainError | None:
    """Why ``actor`` may not apply again for this seller now; None if they may (the rule of
    the command and of its ``can_apply_again`` flag)."""
    seller_id = current.seller_id
    if actor != current.main_account:
        return NotMainAccount(f"seller {seller_id} applies again from its main account")
    if current.status is ActivationStatus.APPROVED:
        return ActivationAlreadyApproved(f"seller {seller_id}'s after-sales is already active")
    if current.status is ActivationStatus.PENDING_REVIEW:
        return ActivationPending(f"seller {seller_id}'s application is waiting for review")
    return None


def apply(
    current: Activation | None,
    seller_id: str,
    address: ReturnAddress,
    actor: str,
    now: datetime,
    levels: int = 3,
) -> Activation:
    """A first application, or a new one after a rejection (``levels``: see check_address)."""
    checked = check_address(address, levels)
    if current is None:
        return Activation(
            seller_id, ActivationStatus.PENDING_REVIEW, checked, actor, now, main_account=actor
        )
    if (refused := reapply_refusal(current, actor)) is not None:
        raise refused
    return replace(
        current,
        status=ActivationStatus.PENDING_REVIEW,
        address=checked,
        submitted_by=actor,
        submitted_at=now,
        rejection_reason=None,
        reviewed_by=None,
        reviewed_at=None,
        attempts=current.attempts + 1,
    )


def review_refusal(current: Activation, actor: str) -> DomainError | None:
    """Why ``actor`` may not review this application now; None if they may (the rule of the
    command and of its ``can_review`` flag; the reviewing role is checked beside it)."""
    if current.status is not ActivationStatus.PENDING_REVIEW:
        return ActivationNotPending(
            f"seller {current.seller_id}'s application is {current.status.value}, not pending"
        )
    if actor == current.submitted_by:
        return SameReviewer("an application is reviewed by someone other than who sent it")
    return None


def review(
    current: Activation, approve: bool, reason: str | None, actor: str, now: datetime
) -> Activation:
    if (refused := review_refusal(current, actor)) is not None:
        raise refused
    why = (reason or "").strip()
    if not approve and not why:
        raise ReasonRequired("a rejection says why, so the seller can fix it and apply again")
    if len(why) > MAX_REASON:
        raise ReasonRequired(f"a reason is at most {MAX_REASON} characters")
    return replace(
        current,
        status=ActivationStatus.APPROVED if approve else ActivationStatus.REJECTED,
        rejection_reason=None if approve else why,
        reviewed_by=actor,
        reviewed_at=now,
    )
