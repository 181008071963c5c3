"""Who may do what to after-sales, checked again here behind the gateway's route table.

The seed keeps review and processing apart (审核和处理权限分开): a reviewer decides
what happens to a ticket, a processor handles the goods that come back. Staff with
neither role can do neither (子账户需要主账户分配).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.refund.aftersales.domain.errors import PermissionMissing

REVIEWER = "aftersales_reviewer"
PROCESSOR = "aftersales_processor"
OPS_SUPERVISOR = "ops_supervisor"
AGENT = "agent"
DUTY_LEAD = "duty_lead"

SELLER_STAFF = frozenset({REVIEWER, PROCESSOR})
"""A seller's after-sales staff: they apply for (and fix) their self-service activation."""
ACTIVATION_REVIEWERS = frozenset({OPS_SUPERVISOR})
"""The platform side reviews a seller's activation (等待相应人员审核)."""
TICKET_OPENERS = frozenset({AGENT, DUTY_LEAD})
"""Customer service opens a ticket for the customer who asks."""
TICKET_READERS = SELLER_STAFF | TICKET_OPENERS


def require(roles: Iterable[str], allowed: frozenset[str], doing: str) -> None:
    if not allowed & frozenset(roles):
        needed = " or ".join(sorted(allowed))
        raise PermissionMissing(f"{doing} needs the {needed} role")
