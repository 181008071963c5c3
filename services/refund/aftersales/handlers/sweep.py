"""The durable timer of tickets: the 48-hour approval and the overdue reminders.

Due times live in the ticket rows; this loop only looks at them (with the injected
clock), so a restart loses nothing and replicas share the work (SKIP LOCKED). Between
passes it sleeps until the next one is due by that clock (shared.timers), woken when a
ticket is opened or changes stage (the table's trigger, migration 0057), at most
``aftersales_sweep_seconds``.
Reminders go to the inboxes of the seller's own staff who can act on the stage (and
its main account) through the notify service, once per ticket and stage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.refund.aftersales.deps import Context
from services.refund.aftersales.domain import tickets as rules
from services.refund.aftersales.domain.sellers import Permission
from services.refund.aftersales.domain.stored import OverdueTicket
from services.refund.aftersales.domain.tickets import SYSTEM_ACTOR, Stage, breach_step
from services.refund.aftersales.store import sellers
from services.refund.aftersales.store import tickets as store
from shared import metrics
from shared.contracts import NOTIFY_INAPP_REQUESTED, InappRequested
from shared.timers import TimerSweep
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
CHANNEL = "aftersales_timers"
"""Notified by the tickets' trigger (migration 0057) when one is opened or changes stage."""
BATCH = 200
REMINDER_TEMPLATE = "aftersales_ticket_overdue"
STAGE_WORDS = {Stage.REVIEW: "待审核", Stage.RECEIPT: "待收货", Stage.PROCESSING: "待处理"}


@dataclass(frozen=True)
class SweepResult:
    auto_approved: int
    reminded: int


async def auto_approve(ctx: Context) -> int:
    async with ctx.unit() as uow:
        conn, now = uow.conn, uow.now()
        due = await store.claim_auto_approvals(conn, now, BATCH)
        for before in due:
            after = rules.auto_approve(before, now, ctx.limits)
            await store.save(conn, after, now)
            await store.record(
                conn,
                before.id,
                "auto_approved",
                SYSTEM_ACTOR,
                at=now,
                from_status=before.status.value,
                to_status=after.status.value,
                outcome=after.outcome.value if after.outcome else None,
                reason=after.review_reason,
                system=True,
            )
            metrics.operation_finished("aftersales_review", "auto_approved")
    if due:
        log.info("tickets approved by the system", extra={"fields": {"count": len(due)}})
    return len(due)


async def _recipients(conn: asyncpg.Connection, seller_id: str, stage: Stage) -> list[str]:
    """The seller's own people who can act on the stage: those it gave the permission, and
    its main account; nobody who serves other sellers only."""
    needed = Permission.REVIEW if stage is Stage.REVIEW else Permission.PROCESS
    staffing = await sellers.staffing_of(conn, seller_id)
    if staffing is None:
        return []
    people = {staffing.main_account, *staffing.staff}
    return sorted(p for p in people if needed in staffing.permissions_of(p))


async def _remind(uow: UnitOfWork, late: OverdueTicket) -> None:
    ticket, stage = late.stored.ticket, late.stage
    recipients = await _recipients(uow.conn, ticket.seller_id, stage)
    key = rules.reminder_key(ticket, stage)
    for recipient in recipients:
        await uow.publish(
            NOTIFY_INAPP_REQUESTED,
            InappRequested(
                recipient=recipient,
                recipient_kind="staff",
                template_id=REMINDER_TEMPLATE,
                params={
                    "ticket_id": ticket.id,
                    "order_no": late.stored.order_no,
                    "stage": STAGE_WORDS[stage],
                },
                dedupe_key=f"{key}:{recipient}",
                requested_by="refund",
            ),
        )
    await store.remember_reminder(uow.conn, ticket.id, stage.value, recipients, uow.now())
    metrics.sla_breached(breach_step(stage))


async def remind(ctx: Context) -> int:
    async with ctx.unit() as uow:
        now = uow.now()
        late = await store.claim_unreminded(
            uow.conn, now, now - ctx.limits.remind_review_after, BATCH
        )
        for one in late:
            await _remind(uow, one)
    return len(late)


async def sweep(ctx: Context) -> SweepResult:
    # Approve first: a ticket the system approves now is not overdue for review any more.
    # Each pass takes a bounded batch in one transaction; a full batch means more are due.
    approved = reminded = 0
    while (done := await auto_approve(ctx)) > 0:
        approved += done
        if done < BATCH:
            break
    while (done := await remind(ctx)) > 0:
        reminded += done
        if done < BATCH:
            break
    return SweepResult(approved, reminded)


async def acted(ctx: Context) -> int:
    """One pass, as the timer sweep counts it: how many tickets it approved or reminded of."""
    done = await sweep(ctx)
    return done.auto_approved + done.reminded


async def run_sweeps(ctx: Context) -> None:
    async def next_due(conn: asyncpg.Connection) -> datetime | None:
        return await store.next_due(conn, ctx.limits.remind_review_after)

    await TimerSweep.by_clock(
        ctx.pool,
        "after-sales tickets",
        lambda: acted(ctx),
        next_due,
        clock=ctx.clock,
        channel=CHANNEL,
        backstop=ctx.settings.aftersales_sweep_seconds,
    ).run()
