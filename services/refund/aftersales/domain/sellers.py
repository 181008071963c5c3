"""Who serves a seller (seed 002, 2.2 客服人员管理).

The account that applied for the seller's self-service after-sales is its main
account: it has every permission for the seller (默认主账户有权限) and it alone gives
its staff theirs (子账户需要主账户分配), review and processing apart
(审核和处理权限分开). A reviewer or processor sees and acts on the tickets of the
sellers they serve and no others; customer service (agents, duty leads) sees every
seller's, since it opens tickets for any customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain.errors import (
    InvalidStaff,
    NotMainAccount,
    NotSellerStaff,
    PermissionMissing,
)
from services.refund.aftersales.domain.tickets import Ticket, TicketAction, state_refusal
from shared.errors import DomainError

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class Permission(StrEnum):
    REVIEW = "review"
    """审核: decide a ticket's outcome, add the review's images."""
    PROCESS = "process"
    """处理: receive the returned goods and process the ticket."""


ROLE_OF = {Permission.REVIEW: permissions.REVIEWER, Permission.PROCESS: permissions.PROCESSOR}
"""The platform role a permission also needs (the gateway's route table checks it first)."""


@dataclass(frozen=True)
class Staffing:
    """One seller's main account and staff, with what each may do for it."""

    seller_id: str
    main_account: str
    staff: Mapping[str, frozenset[Permission]] = field(default_factory=dict)

    def permissions_of(self, username: str) -> frozenset[Permission]:
        if username == self.main_account:
            return frozenset(Permission)
        return self.staff.get(username, frozenset())


def reads_every_seller(roles: Iterable[str]) -> bool:
    """Customer service opens tickets for every seller's customers, so it reads them all."""
    return bool(permissions.TICKET_OPENERS & frozenset(roles))


def refusal(
    username: str, roles: Iterable[str], staffing: Staffing, needed: Permission
) -> DomainError | None:
    """Why this person may not act on the seller's ticket with ``needed``; None if they may."""
    role = ROLE_OF[needed]
    if role not in frozenset(roles):
        return PermissionMissing(f"this needs the {role} role")
    if needed not in staffing.permissions_of(username):
        return NotSellerStaff(
            f"{username} has no {needed.value} permission for seller {staffing.seller_id}:"
            " the seller's main account gives it"
        )
    return None


def check(username: str, roles: Iterable[str], staffing: Staffing, needed: Permission) -> None:
    if (refused := refusal(username, roles, staffing, needed)) is not None:
        raise refused


def check_staff_change(
    staffing: Staffing, actor: str, username: str, given: Iterable[str]
) -> frozenset[Permission]:
    """The main account sets what one of its staff may do (none: they may do nothing)."""
    if actor != staffing.main_account:
        raise NotMainAccount(f"only seller {staffing.seller_id}'s main account manages its staff")
    name = username.strip()
    if not _USERNAME.match(name):
        raise InvalidStaff("a staff member is named by their username (1 to 64 characters)")
    if name == staffing.main_account:
        raise InvalidStaff("the main account has every permission already")
    try:
        return frozenset(Permission(p) for p in given)
    except ValueError:
        allowed = ", ".join(p.value for p in Permission)
        raise InvalidStaff(f"permissions are {allowed}") from None


NEEDS = {
    TicketAction.REVIEW: Permission.REVIEW,
    TicketAction.RECEIVE: Permission.PROCESS,
    TicketAction.PROCESS: Permission.PROCESS,
}


def action_refusal(
    action: TicketAction, ticket: Ticket, username: str, roles: Iterable[str], staffing: Staffing
) -> DomainError | None:
    """The one rule of a ticket's command and its button: the person's role and the
    seller's permission, then the ticket's state."""
    return refusal(username, roles, staffing, NEEDS[action]) or state_refusal(action, ticket)


def ticket_actions(
    ticket: Ticket, username: str, roles: Iterable[str], staffing: Staffing
) -> list[TicketAction]:
    """The buttons a ticket shows this person: the commands that would be accepted now."""
    held = frozenset(roles)
    return [a for a in TicketAction if action_refusal(a, ticket, username, held, staffing) is None]


@dataclass(frozen=True)
class StaffMember:
    """A person a seller's main account gave after-sales permissions to, as stored."""

    seller_id: str
    username: str
    permissions: list[str]
    added_by: str
    added_at: datetime
    updated_by: str
    updated_at: datetime
