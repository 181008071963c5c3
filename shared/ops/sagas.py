"""A saga's current state and history, read from the database of the service that runs it.

Each kind of saga is one :class:`SagaSource`: which service's database, the query
for its state row and the one for its history. Another saga is another entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.settings import Settings


@dataclass(frozen=True)
class SagaSource:
    service: str
    saga: str
    state_sql: str
    """One row by ``$1``: the saga id, or another id the agent knows (an order number)."""
    history_sql: str
    """Its history by ``$1`` = the ``saga_id`` of that row, oldest first."""


SOURCES: tuple[SagaSource, ...] = (
    SagaSource(
        service="voucher",
        saga="reversal",
        state_sql="SELECT * FROM reversal_sagas WHERE saga_id::text = $1 OR merchant_order_no = $1",
        history_sql=(
            "SELECT at, event, from_state, to_state, failure, attempt, refund_attempt, detail,"
            " trace_id FROM reversal_saga_history WHERE saga_id = $1 ORDER BY id"
        ),
    ),
    SagaSource(
        service="refund",
        saga="refund form",
        # named columns: the form's phone number must not be printed in clear
        state_sql=(
            "SELECT form_id AS saga_id, order_no, state, round, amount_cents, cause, filed_by,"
            " filed_at, submitted_to_finance_at, finance_approved_at, sent_back_step,"
            " sent_back_reason, paid_at, payout_reference, completed_at, updated_at"
            " FROM refund_forms WHERE form_id = $1 OR order_no = $1"
        ),
        history_sql=(
            "SELECT at, step AS event, from_state, to_state, round, decision, opinion, executor,"
            " executor_role, trace_id FROM refund_form_steps WHERE form_id = $1 ORDER BY id"
        ),
    ),
)


@dataclass(frozen=True)
class SagaView:
    source: SagaSource
    state: dict[str, Any]
    history: list[dict[str, Any]]


class UnknownSagaService(LookupError):
    pass


def sources_of(service: str) -> list[SagaSource]:
    found = [s for s in SOURCES if s.service == service]
    if not found:
        known = ", ".join(sorted({s.service for s in SOURCES}))
        raise UnknownSagaService(f"no sagas are known for {service!r} (known: {known})")
    return found


async def find_saga(
    settings: Settings, service: str, saga_id: str, *, database: str | None = None
) -> SagaView | None:
    """The saga ``saga_id`` of ``service`` (``database`` names another ``kefu_<database>``)."""
    sources = sources_of(service)
    conn = await asyncpg.connect(settings.database_url_for(database or service))
    try:
        for source in sources:
            row = await conn.fetchrow(source.state_sql, saga_id)
            if row is not None:
                history = await conn.fetch(source.history_sql, row["saga_id"])
                return SagaView(source, dict(row), [dict(h) for h in history])
        return None
    finally:
        await conn.close()


_STEP_COLUMNS = ("at", "event", "from_state", "to_state")


def render(view: SagaView) -> str:
    """The state, then one line per step: when, event, from -> to, and the step's other columns."""
    lines = [f"{view.source.service} {view.source.saga} saga {view.state['saga_id']}"]
    lines += [f"  {k}: {_text(v)}" for k, v in view.state.items() if k != "saga_id"]
    lines.append(f"history ({len(view.history)} steps):")
    for h in view.history:
        step = f"{h.get('from_state') or '-'} -> {h.get('to_state')}"
        rest = " ".join(
            f"{k}={_text(v)}" for k, v in h.items() if k not in _STEP_COLUMNS and v is not None
        )
        lines.append(f"  {_text(h.get('at'))}  {h.get('event')!s:<22} {step:<30} {rest}".rstrip())
    return "\n".join(lines) + "\n"


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
