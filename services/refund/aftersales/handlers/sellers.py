"""A seller's main account manages its staff; staff see and act for their sellers only."""

from __future__ import annotations

from collections.abc import Iterable

from services.refund.aftersales.deps import Context
from services.refund.aftersales.domain import permissions
from services.refund.aftersales.domain import sellers as rules
from services.refund.aftersales.domain.errors import (
    ActivationNotFound,
    NotMainAccount,
    TicketNotFound,
)
from services.refund.aftersales.domain.sellers import Permission, Staffing, StaffMember
from services.refund.aftersales.domain.tickets import Ticket, TicketAction
from services.refund.aftersales.store import sellers as store
from services.refund.handlers import keys
from services.refund.handlers.keys import Keyed
from shared.db import Db
from shared.http import Actor
from shared.idempotency import Answer
from shared.unit_of_work import UnitOfWork

SELLER_ROLES = frozenset(rules.ROLE_OF.values())


async def staffing(db: Db, seller_id: str) -> Staffing:
    found = await store.staffing_of(db, seller_id)
    if found is None:
        raise ActivationNotFound(f"seller {seller_id} has not applied for after-sales")
    return found


async def check_acts_for(db: Db, actor: Actor, seller_id: str, needed: Permission) -> None:
    """The actor may do ``needed`` for this seller (its main account gave them that)."""
    rules.check(actor.username, actor.roles, await staffing(db, seller_id), needed)


async def check_command(db: Db, actor: Actor, action: TicketAction, ticket: Ticket) -> None:
    """The rule the ticket's button is shown by: role, the seller's permission, the state."""
    current = await staffing(db, ticket.seller_id)
    refused = rules.action_refusal(action, ticket, actor.username, actor.roles, current)
    if refused is not None:
        raise refused


async def actions_for(
    db: Db, actor: Actor, tickets: Iterable[Ticket]
) -> dict[int, list[TicketAction]]:
    """Each ticket's buttons for this actor, by ticket id."""
    listed = list(tickets)
    if not SELLER_ROLES & actor.roles:
        return {t.id: [] for t in listed}  # customer service opens tickets, never acts on them
    staffings = await store.staffings_of(db, {t.seller_id for t in listed})
    return {
        t.id: rules.ticket_actions(t, actor.username, actor.roles, staffings[t.seller_id])
        for t in listed
    }


async def visible_sellers(db: Db, actor: Actor) -> frozenset[str] | None:
    """The sellers whose tickets the actor may read; None: every seller's."""
    if rules.reads_every_seller(actor.roles):
        return None
    return await store.sellers_served_by(db, actor.username)


async def check_reads(db: Db, actor: Actor, seller_id: str, ticket_id: int) -> None:
    """Another seller's ticket is not there for this reader (404, not a hint that it is)."""
    visible = await visible_sellers(db, actor)
    if visible is not None and seller_id not in visible:
        raise TicketNotFound(f"no service ticket {ticket_id}")


async def set_staff(
    ctx: Context,
    seller_id: str,
    username: str,
    given: Iterable[str],
    actor: Actor,
    keyed: Keyed[StaffMember],
) -> Answer:
    async def act(uow: UnitOfWork) -> StaffMember:
        conn, now = uow.conn, uow.now()
        await conn.execute(
            "SELECT 1 FROM aftersales_activations WHERE seller_id = $1 FOR UPDATE", seller_id
        )
        current = await staffing(conn, seller_id)
        checked = rules.check_staff_change(current, actor.username, username, given)
        return await store.set_staff(
            conn, seller_id, username.strip(), checked, actor.username, now
        )

    return await keys.run(ctx.unit(), keyed, f"{seller_id}:{username.strip()}", act)


async def list_staff(ctx: Context, seller_id: str, actor: Actor) -> list[StaffMember]:
    """The seller's staff, for its main account and the platform's activation reviewers."""
    current = await staffing(ctx.pool, seller_id)
    platform = permissions.ACTIVATION_REVIEWERS & actor.roles
    if actor.username != current.main_account and not platform:
        raise NotMainAccount(f"only seller {seller_id}'s main account reads its staff")
    return await store.staff(ctx.pool, seller_id)
