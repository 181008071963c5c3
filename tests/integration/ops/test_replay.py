"""kefu replay: the service's own handlers over a topic from an offset; the inbox keeps it once."""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from shared.ops.reading import read
from shared.ops.replay import NotConsumed, replay
from shared.settings import Settings
from tests.integration.ops.conftest import OpsService, kefu, running

pytestmark = pytest.mark.integration


async def test_replay_applies_what_is_missing_and_nothing_twice(ops_service: OpsService) -> None:
    svc, runtime = ops_service, ops_service.platform.runtime
    assert runtime is not None
    keys = [f"k{i}" for i in range(6)]
    ids = {k: await svc.publish(k) for k in keys}
    for k in keys:
        await svc.wait_effects(k)

    # a restore from an older backup: two effects are gone, with their inbox rows
    lost = ["k1", "k4"]
    await svc.platform.pool.execute("DELETE FROM effects WHERE key = ANY($1::text[])", lost)
    await svc.platform.pool.execute(
        "DELETE FROM inbox WHERE consumer = $1 AND ce_id = ANY($2::text[])",
        svc.consumer,
        [ids[k] for k in lost],
    )

    # while the service keeps consuming: the inbox serialises the two paths
    reports = await replay(runtime, svc.settings, svc.topic.name, from_offset=0, idle_seconds=0.5)
    report = reports[svc.consumer]
    assert (report.read, report.already_applied, report.applied, report.not_applied) == (6, 4, 2, 0)
    assert [await svc.effects(k) for k in keys] == [1] * 6

    again = (await replay(runtime, svc.settings, svc.topic.name, from_offset=0, idle_seconds=0.5))[
        svc.consumer
    ]
    assert (again.read, again.already_applied, again.applied) == (6, 6, 0)
    assert [await svc.effects(k) for k in keys] == [1] * 6


async def test_replay_from_an_offset_of_one_partition(ops_service: OpsService) -> None:
    svc, runtime = ops_service, ops_service.platform.runtime
    assert runtime is not None
    keys = [f"p{i}" for i in range(8)]
    for k in keys:
        await svc.publish(k)
    for k in keys:
        await svc.wait_effects(k)
    expected = {
        r.key.decode()
        async for r in read(svc.settings, svc.topic.name, partitions=[0], idle_seconds=0.5)
        if r.offset >= 1
    }
    assert 0 < len(expected) < 8  # the keys spread over both partitions
    await svc.platform.pool.execute("DELETE FROM effects")
    await svc.platform.pool.execute("DELETE FROM inbox WHERE consumer = $1", svc.consumer)

    report = (
        await replay(
            runtime, svc.settings, svc.topic.name, from_offset=1, partition=0, idle_seconds=0.5
        )
    )[svc.consumer]
    applied = await svc.platform.pool.fetch("SELECT key FROM effects")
    assert {r["key"] for r in applied} == expected and len(applied) == len(expected)
    assert report.applied == report.read == len(expected)

    with pytest.raises(NotConsumed):
        await replay(runtime, svc.settings, "voucher.issued.v1", from_offset=0)


async def test_kefu_replay_runs_the_named_services_own_handlers(
    ops_service: OpsService, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line: ``--service`` names the package whose app is started (here the
    tests' own, registered as ``services.opsfake<unique>``), ``--instance`` its database."""
    svc, instance = ops_service, ops_service.platform.service

    def create_app(settings: Settings, *, service: str) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with running(settings, svc.topic, service) as replica:
                app.state.platform = replica.platform
                yield

        return FastAPI(lifespan=lifespan)

    package = f"services.opsfake{unique}"
    app_module = types.ModuleType(f"{package}.app")
    app_module.create_app = create_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, package, types.ModuleType(package))
    monkeypatch.setitem(sys.modules, f"{package}.app", app_module)

    ids = {k: await svc.publish(k) for k in ("r1", "r2", "r3")}
    for k in ids:
        await svc.wait_effects(k)
    await svc.platform.pool.execute("DELETE FROM effects WHERE key = 'r2'")
    await svc.platform.pool.execute(
        "DELETE FROM inbox WHERE consumer = $1 AND ce_id = $2", svc.consumer, ids["r2"]
    )
    argv = (
        "replay",
        svc.topic.name,
        "--service",
        f"opsfake{unique}",
        "--instance",
        instance,
        "--from-offset",
        "0",
    )
    status, out = await kefu(svc.settings, *argv)
    assert status == 0 and out.startswith("ops.effects: read 3,"), out
    assert [await svc.effects(k) for k in ids] == [1, 1, 1]

    status, out = await kefu(svc.settings, *argv)
    assert (status, out) == (
        0,
        "ops.effects: read 3, already applied 3, applied now 0, not applied (parked or DLQ'd) 0\n",
    )
    assert [await svc.effects(k) for k in ids] == [1, 1, 1]
