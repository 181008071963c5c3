"""Identity verified before a top-up (seed 004 客户身份核实: ID document, face match, SMS code).

An agent verifies the customer once, by an SMS code the customer reads out or by an ID
document the agent checks; the verification is good for one top-up, by that customer,
for a few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.rental.accounts.domain.errors import IdentityNotVerified
from shared.errors import InvalidInput

CODE_PURPOSE = "rental_top_up"


class IdentityMethod(StrEnum):
    SMS_CODE = "sms_code"
    ID_DOCUMENT = "id_document"
    FACE_MATCH = "face_match"


@dataclass(frozen=True)
class Verification:
    id: str
    user_id: str
    method: IdentityMethod
    verified_by: str
    verified_at: datetime
    expires_at: datetime
    used_at: datetime | None


def check_usable(verification: Verification | None, user_id: str, now: datetime) -> None:
    if verification is None:
        raise IdentityNotVerified("verify the customer's identity before a top-up")
    if verification.user_id != user_id:
        raise IdentityNotVerified("that identity verification is for another customer")
    if verification.used_at is not None:
        raise IdentityNotVerified("that identity verification was used by an earlier top-up")
    if now >= verification.expires_at:
        raise IdentityNotVerified("that identity verification has expired: verify again")


def check_document_note(method: IdentityMethod, document_last4: str | None) -> None:
    """An ID check by the agent records which document it was (its last four characters)."""
    if method is not IdentityMethod.SMS_CODE and (
        document_last4 is None or len(document_last4.strip()) != 4
    ):
        raise InvalidInput(
            "an ID or face check records the last four characters of the document",
            code="document_required",
        )
