"""``kefu saga show``: a saga's current state and history, read from the database of the
service that runs it.

Each kind of saga is one :class:`SagaSource`: which service's database, the query
for its state row and the one for its history. The queries live with the tables
they read, in the service's ``ops`` module (``services/<name>/ops.py``, its
``SAGAS``), found by name as ``kefu replay`` finds a service: shared code never
imports one.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.settings import SERVICES, PlatformSettings


@dataclass(frozen=True)
class SagaSource:
    service: str
    saga: str
    state_sql: str
    """One row by ``$1``: the saga id, or another id the agent knows (an order number)."""
    history_sql: str
    """Its history by ``$1`` = the ``saga_id`` of that row, oldest first."""


@dataclass(frozen=True)
class SagaView:
    source: SagaSource
    state: dict[str, Any]
    history: list[dict[str, Any]]


class UnknownSagaService(LookupError):
    pass


def saga_services() -> list[str]:
    """The services that run sagas: those with an ``ops`` module."""
    return [s for s in SERVICES if importlib.util.find_spec(f"services.{s}.ops") is not None]


def sources_of(service: str) -> list[SagaSource]:
    if service not in saga_services():
        known = ", ".join(saga_services())
        raise UnknownSagaService(f"no sagas are known for {service!r} (known: {known})")
    sagas: tuple[SagaSource, ...] = importlib.import_module(f"services.{service}.ops").SAGAS
    return list(sagas)


async def find_saga(
    settings: PlatformSettings, service: str, saga_id: str, *, database: str | None = None
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
