"""Replay a topic into a service's read model from an offset.

The records are read without a consumer group and handed to the service's own
subscriptions through its :class:`ConsumerRuntime`: the same parsing, the same
inbox (so a message already applied is skipped, in the transaction that would
apply it), the same parking and DLQ. That is why a replay is safe while the
service runs, and twice in a row: nothing but the inbox decides what is applied.

The other way, rewinding the service's consumer-group offsets, needs every
replica stopped (Kafka refuses offsets for a group with members), rewinds
every message of the group, and does not work on the embedded broker, which
never empties a group; this way touches only the partitions and offsets asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.ops.reading import read
from shared.settings import Settings


class NotConsumed(LookupError):
    """The service has no subscription to that topic."""


@dataclass
class ReplayReport:
    read: int = 0
    already_applied: int = 0
    applied: int = 0
    not_applied: int = 0
    """Parked for a retry or dead-lettered, as the live consumer would have done."""


def subscriptions_of(runtime: ConsumerRuntime, topic: str) -> list[Subscription[Any]]:
    subs = [s for s in runtime.subscriptions.values() if s.topic.name == topic]
    if not subs:
        consumed = sorted({s.topic.name for s in runtime.subscriptions.values()})
        raise NotConsumed(f"{runtime.service} does not consume {topic} (it consumes {consumed})")
    return subs


async def replay(
    runtime: ConsumerRuntime,
    settings: Settings,
    topic: str,
    *,
    from_offset: int,
    partition: int | None = None,
    idle_seconds: float = 1.5,
) -> dict[str, ReplayReport]:
    """Apply ``topic`` from ``from_offset`` (of ``partition``, else of every partition)
    through each of the runtime's subscriptions to it; a report per subscription."""
    subs = subscriptions_of(runtime, topic)
    reports = {s.name: ReplayReport() for s in subs}
    batch: list[Any] = []
    async for record in read(
        settings,
        topic,
        partitions=None if partition is None else [partition],
        from_offset=from_offset,
        idle_seconds=idle_seconds,
    ):
        batch.append(record)
        if len(batch) >= settings.consumer_batch_size:
            await _apply(runtime, subs, batch, reports)
            batch = []
    if batch:
        await _apply(runtime, subs, batch, reports)
    return reports


async def _apply(
    runtime: ConsumerRuntime,
    subs: Sequence[Subscription[Any]],
    records: list[Any],
    reports: dict[str, ReplayReport],
) -> None:
    ids = {i for i in map(_ce_id, records) if i}
    without_id = sum(1 for r in records if not _ce_id(r))
    for sub in subs:
        before = await _seen(runtime, sub.name, ids)
        await runtime.process(sub, records)
        after = await _seen(runtime, sub.name, ids)
        report = reports[sub.name]
        report.read += len(records)
        report.already_applied += before
        report.applied += after - before
        report.not_applied += len(ids) - after + without_id


async def _seen(runtime: ConsumerRuntime, consumer: str, ids: set[str]) -> int:
    async with runtime.pool.acquire() as conn:
        n = await conn.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1 AND ce_id = ANY($2::text[])",
            consumer,
            list(ids),
        )
    return int(n)


def _ce_id(record: Any) -> str | None:
    for k, v in record.headers or ():
        if k == "ce_id" and v is not None:
            return bytes(v).decode("utf-8", "replace")
    return None


async def replay_into_service(
    settings: Settings,
    service: str,
    topic: str,
    *,
    from_offset: int,
    partition: int | None = None,
    instance: str | None = None,
    idle_seconds: float = 1.5,
) -> dict[str, ReplayReport]:
    """Run the service ``services.<service>`` in this process, as one more replica, and
    replay through its subscriptions. The module is found by name, as ``kefu up`` runs
    services by name: shared code never imports a service. ``instance`` names its
    database and consumer groups when it is not ``service`` (tests run their own)."""
    try:
        app_module = importlib.import_module(f"services.{service}.app")
    except ModuleNotFoundError as exc:
        raise NotConsumed(f"there is no service {service!r}") from exc
    app = app_module.create_app(settings, service=instance or service)
    async with app.router.lifespan_context(app):
        platform = getattr(app.state, "platform", None)
        if platform is None or platform.runtime is None:
            raise NotConsumed(f"{service} consumes no topics")
        return await replay(
            platform.runtime,
            settings,
            topic,
            from_offset=from_offset,
            partition=partition,
            idle_seconds=idle_seconds,
        )
