"""The monthly statistics' approval and archive (seed 003): the department head approves,
the admin/HR office (行政人事部) verifies and archives, then follows up."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.refund.api.common import answered, fields_of, page_out
from services.refund.domain import periods
from services.refund.handlers.keys import Keyed
from services.refund.reports.api.common import ReportsContext
from services.refund.reports.api.views import totals_out
from services.refund.reports.domain import due, monthly
from services.refund.reports.domain import statistics as rules
from services.refund.reports.domain.statistics import Department
from services.refund.reports.handlers import statistics as handlers
from services.refund.reports.store import statistics as store
from services.refund.reports.store.statistics import Decision, HistoryRow, MonthStatistics
from shared.api.refund_reports import (
    DecisionOut,
    FollowUpNoteIn,
    MonthlyStatisticsOut,
    MonthlyStatisticsPageOut,
    MonthlyStatisticsSummaryOut,
    StatisticsOpinionIn,
    StatisticsReasonIn,
    StatisticsState,
    StatisticsStepOut,
)
from shared.db import Db
from shared.http import Actor, CurrentActor, IdempotencyKey
from shared.idempotency import Command
from shared.paging import MAX_LIMIT, decode_cursor

router = APIRouter(tags=["monthly statistics"])
_ONE = "/reports/monthly-statistics/{month}/{department}"


def _decision(d: Decision) -> DecisionOut:
    return DecisionOut.model_validate(fields_of(d))


def _step(h: HistoryRow) -> StatisticsStepOut:
    return StatisticsStepOut.model_validate(fields_of(h))


def summary(m: MonthStatistics, actor: Actor, ctx: ReportsContext) -> MonthlyStatisticsSummaryOut:
    s = m.statistics
    return MonthlyStatisticsSummaryOut(
        month=f"{s.month:%Y-%m}",
        department=s.department.value,
        state=s.state.value,
        due_on=due.due_on(s.month),
        approved=_decision(m.approved),
        returned=_decision(m.returned),
        verified=_decision(m.verified),
        archived=_decision(m.archived),
        total=totals_out(monthly.totals(m.rows)) if m.rows is not None else None,
        actions=rules.actions(
            s, actor=actor.username, roles=actor.roles, today=handlers.today(ctx)
        ),
    )


async def detail(
    ctx: ReportsContext, db: Db, m: MonthStatistics, actor: Actor
) -> MonthlyStatisticsOut:
    s = m.statistics
    steps = [_step(h) for h in await store.history(db, s.month, s.department)]
    return MonthlyStatisticsOut(
        **summary(m, actor, ctx).model_dump(),
        follow_ups=[h for h in steps if h.action == "follow_up"],
        history=steps,
    )


@router.get("/reports/monthly-statistics", response_model=MonthlyStatisticsPageOut)
async def list_statistics(
    ctx: ReportsContext,
    actor: CurrentActor,
    department: Department | None = None,
    state: Annotated[StatisticsState | None, Query(description="e.g. approved: to verify")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: str | None = None,
) -> MonthlyStatisticsPageOut:
    """Months whose statistics were decided on, the latest decision first; the caller's
    departments only (the admin/HR office sees both)."""
    departments = [d.value for d in handlers.readable(actor) if department in (None, d)]
    if department is not None:
        handlers.require_reader(actor, department)
    page = await store.page(
        ctx.pool, departments=departments, state=state, after=decode_cursor(cursor), limit=limit
    )
    return page_out(MonthlyStatisticsPageOut, page, [summary(m, actor, ctx) for m in page.items])


@router.get(_ONE, response_model=MonthlyStatisticsOut)
async def get_statistics(
    month: str, department: Department, ctx: ReportsContext, actor: CurrentActor
) -> MonthlyStatisticsOut:
    """Where the month's statistics stand, who decided what, the follow-up section."""
    first = periods.parse_month(month)
    handlers.require_reader(actor, department)
    return await detail(ctx, ctx.pool, await store.get(ctx.pool, first, department), actor)


async def _decide(
    ctx: ReportsContext,
    month: str,
    department: Department,
    action: str,
    actor: Actor,
    text: str,
    key: str | None,
) -> Response:
    """Accepts an Idempotency-Key: a repeat answers as the first did."""
    first = periods.parse_month(month)

    async def render(conn: asyncpg.Connection, decided: MonthStatistics) -> MonthlyStatisticsOut:
        return await detail(ctx, conn, decided, actor)

    command = Command(f"statistics_{action}", f"{month}:{department.value}", {"text": text})
    keyed = Keyed(key, command, render)
    return answered(await handlers.decide(ctx, first, department, action, actor, text, keyed))


@router.post(f"{_ONE}/return", response_model=MonthlyStatisticsOut)
async def return_statistics(
    month: str,
    department: Department,
    body: StatisticsReasonIn,
    ctx: ReportsContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """The admin/HR office sends the table back to the head, with a reason."""
    return await _decide(ctx, month, department, "return", actor, body.reason, idempotency_key)


def _opinion_route(action: str, doc: str) -> None:
    async def decide(
        month: str,
        department: Department,
        ctx: ReportsContext,
        actor: CurrentActor,
        idempotency_key: IdempotencyKey,
        body: StatisticsOpinionIn | None = None,
    ) -> Response:
        opinion = body.opinion if body else ""
        return await _decide(ctx, month, department, action, actor, opinion, idempotency_key)

    decide.__name__, decide.__doc__ = action, doc
    router.post(f"{_ONE}/{action}", response_model=MonthlyStatisticsOut)(decide)


_opinion_route(
    "approve", "The department's head approves the ended month's table: stored from now on."
)
_opinion_route(
    "verify", "The admin/HR office verifies the refunds against the approved table (核实)."
)


@router.post(f"{_ONE}/archive", response_model=MonthlyStatisticsOut)
async def archive(
    month: str,
    department: Department,
    ctx: ReportsContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """The admin/HR office archives the verified table: it never changes again."""
    return await _decide(ctx, month, department, "archive", actor, "", idempotency_key)


@router.post(f"{_ONE}/follow-ups", response_model=MonthlyStatisticsOut)
async def follow_up(
    month: str,
    department: Department,
    body: FollowUpNoteIn,
    ctx: ReportsContext,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> Response:
    """后期执行情况跟踪: the admin/HR office notes how things went, on an archived month."""
    return await _decide(ctx, month, department, "follow_up", actor, body.note, idempotency_key)
