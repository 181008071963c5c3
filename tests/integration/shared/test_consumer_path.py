"""What a batch costs on its way from the Kafka client to the runtime, on a real broker:
no worker thread per batch."""

from __future__ import annotations

import functools
from typing import Any

import anyio.to_thread
import pytest

from shared.messaging import cloudevents
from shared.settings import Settings
from tests.infra import eventually as until
from tests.integration.shared.test_messaging import raw_publish
from tests.integration.shared.test_offset_commits import credits_applied, credits_platform

pytestmark = pytest.mark.integration


async def test_a_batch_reaches_the_runtime_without_a_worker_thread(
    settings: Settings, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastStream's solver ran the look-up of a ``KafkaMessage`` parameter in a worker
    thread: a thread hop per batch, in every service's consumer."""
    hops: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    p, topic = await credits_platform(settings, unique)
    try:
        for i in range(3):
            headers = cloudevents.make_headers(ce_type=topic.ce_type, source="/test")
            value = b'{"account":"a%d","cents":1}' % i
            await raw_publish(settings, topic.name, value, headers)
            await until(functools.partial(credits_applied, p, i + 1), what=f"{i + 1} applied")
    finally:
        await p.close()
    assert hops == []
