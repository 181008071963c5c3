"""A seller applies for self-service after-sales; the platform reviews the application."""

from __future__ import annotations

from services.refund.aftersales.adapters.regions import national
from services.refund.aftersales.deps import Context
from services.refund.aftersales.domain import activation as rules
from services.refund.aftersales.domain import permissions, regions
from services.refund.aftersales.domain.activation import Activation, ReturnAddress
from services.refund.aftersales.domain.errors import ActivationNotFound
from services.refund.aftersales.store import activations as store
from services.refund.handlers import keys
from services.refund.handlers.keys import Keyed
from shared.http import Actor
from shared.idempotency import Answer
from shared.unit_of_work import UnitOfWork


async def apply(
    ctx: Context, seller_id: str, address: ReturnAddress, actor: Actor, keyed: Keyed[Activation]
) -> Answer:
    permissions.require(actor.roles, permissions.SELLER_STAFF, "applying for after-sales")
    levels = regions.levels_of(national(), address.province.strip(), address.city.strip())

    async def act(uow: UnitOfWork) -> Activation:
        conn, now = uow.conn, uow.now()
        # Two first applications at once: the advisory lock orders them on the seller.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"activation:{seller_id}")
        current = await store.get(conn, seller_id, lock=True)
        applied = rules.apply(current, seller_id, address, actor.username, now, levels)
        saved = await store.save(conn, applied)
        await store.record(conn, applied, "applied", actor.username, now)
        return saved

    return await keys.run(ctx.unit(), keyed, seller_id, act)


async def review(
    ctx: Context,
    seller_id: str,
    approve: bool,
    reason: str | None,
    actor: Actor,
    keyed: Keyed[Activation],
) -> Answer:
    permissions.require(
        actor.roles, permissions.ACTIVATION_REVIEWERS, "reviewing an after-sales application"
    )

    async def act(uow: UnitOfWork) -> Activation:
        conn, now = uow.conn, uow.now()
        current = await store.get(conn, seller_id, lock=True)
        if current is None:
            raise ActivationNotFound(f"seller {seller_id} has not applied for after-sales")
        reviewed = rules.review(current, approve, reason, actor.username, now)
        saved = await store.save(conn, reviewed)
        action = "approved" if approve else "rejected"
        await store.record(conn, reviewed, action, actor.username, now)
        return saved

    return await keys.run(ctx.unit(), keyed, seller_id, act)
