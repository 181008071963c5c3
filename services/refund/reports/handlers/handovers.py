"""A duty lead hands the shift over; the next duty lead acknowledges it."""

from __future__ import annotations

from dataclasses import replace

import asyncpg

from services.refund.handlers import keys
from services.refund.handlers.keys import Keyed
from services.refund.reports.deps import Context
from services.refund.reports.domain import finance as finance_rules
from services.refund.reports.domain import handover as rules
from services.refund.reports.domain.errors import FormNotFound, HandoverNotFound
from services.refund.reports.domain.handover import Draft, FollowUp, HandoverRecord
from services.refund.reports.store import forms
from services.refund.reports.store import handovers as store
from shared.http import Actor
from shared.idempotency import Answer
from shared.unit_of_work import UnitOfWork


def require_duty_lead(actor: Actor, doing: str) -> None:
    rules.require_duty_lead(actor.roles, doing)


async def _filled(conn: asyncpg.Connection, item: FollowUp) -> FollowUp:
    if item.form_id is None:
        return item
    form = await forms.form(conn, item.form_id)
    if form is None:
        raise FormNotFound(f"a follow-up names refund form {item.form_id}, which does not exist")
    return rules.with_form(item, form.phone, form.amount_cents, form.bank)


async def hand_over(
    ctx: Context, draft: Draft, actor: Actor, keyed: Keyed[HandoverRecord]
) -> Answer:
    require_duty_lead(actor, "handing over a shift")

    async def act(uow: UnitOfWork) -> HandoverRecord:
        conn, now = uow.conn, uow.now()
        checked = rules.check_draft(draft, now)
        filled = tuple([await _filled(conn, f) for f in checked.follow_ups])
        events = await forms.steps_between(conn, checked.period_start, checked.period_end)
        facts = await forms.facts(conn, sorted({e.form_id for e in events}))
        lists = finance_rules.classify(events, facts)
        draft_filled = replace(checked, follow_ups=filled)
        return await store.insert(conn, draft_filled, lists, actor.username, now)

    return await keys.run(ctx.unit(), keyed, actor.username, act)


async def acknowledge(
    ctx: Context, handover_id: int, actor: Actor, keyed: Keyed[HandoverRecord]
) -> Answer:
    async def act(uow: UnitOfWork) -> HandoverRecord:
        found = await store.get(uow.conn, handover_id, lock=True)
        if found is None:
            raise HandoverNotFound(f"no handover {handover_id}")
        acknowledged = rules.acknowledge(found.handover, actor.username, actor.roles, uow.now())
        return await store.acknowledge(uow.conn, acknowledged)

    return await keys.run(ctx.unit(), keyed, str(handover_id), act)
