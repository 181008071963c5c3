"""kefu dlq list / show / redrive on the real broker and database, with a real consumer."""

from __future__ import annotations

import asyncio

import pytest

from shared.messaging import cloudevents
from shared.ops import dlq
from tests.infra import eventually
from tests.integration.ops.conftest import OpsService, kefu, payload_of

pytestmark = pytest.mark.integration


async def test_dead_letters_are_listed_shown_and_redriven_once(ops_service: OpsService) -> None:
    svc, settings = ops_service, ops_service.settings
    good = await svc.publish("good-1")
    poison = await svc.publish("poison-1", poison=True)
    await svc.publish("bad-1", raw=b'{"nope": 1}')
    await svc.wait_effects("good-1")

    async def both_dead_lettered() -> list[dlq.DlqEntry] | None:
        entries = await dlq.list_entries(settings, svc.topic.name, idle_seconds=0.5)
        return entries if len(entries) == 2 else None

    entries = await eventually(both_dead_lettered, what="two DLQ entries")
    by_key = {e.key_text: e for e in entries}
    assert {k: by_key[k].reason for k in by_key} == {
        "poison-1": "poison",
        "bad-1": "invalid_payload",
    }
    entry = by_key["poison-1"]
    assert (entry.dlq_topic, entry.original_topic, entry.ce_id) == (
        svc.topic.dlq,
        svc.topic.name,
        poison,
    )
    assert entry.error == "poison refused (test)"
    assert good != poison and await svc.effects("poison-1") == 0

    status, listed = await kefu(settings, "dlq", "list", "--topic", svc.topic.name)
    assert status == 0
    rows = [line for line in listed.splitlines() if line.startswith(svc.topic.dlq)]
    assert len(rows) == 2 and listed.endswith("2 messages\n")
    assert any("poison-1" in r and " poison " in r and svc.topic.name in r for r in rows)
    assert any("bad-1" in r and "invalid_payload" in r for r in rows)

    where = f"{entry.partition}:{entry.offset}"
    status, shown = await kefu(
        settings, "dlq", "show", svc.topic.dlq, str(entry.partition), str(entry.offset)
    )
    assert status == 0
    assert "kefu_dlq_reason: poison" in shown and f"kefu_dlq_topic: {svc.topic.name}" in shown
    assert f"ce_id: {poison}" in shown and '"poison": true' in shown
    assert "kefu_dlq_consumer: ops.effects" in shown

    svc.refuse_poison = False  # the bug is fixed; now the message can be applied

    status, dry = await kefu(
        settings, "dlq", "redrive", svc.topic.dlq, "--offset", where, "--dry-run"
    )
    assert status == 0 and f"would_redrive     {svc.topic.dlq} {where}" in dry
    await asyncio.sleep(1.0)
    assert len(await svc.copies_on_topic(poison)) == 1  # a dry run publishes nothing
    assert await svc.effects("poison-1") == 0

    status, done = await kefu(settings, "dlq", "redrive", svc.topic.dlq, "--offset", where)
    assert status == 0 and f"redriven          {svc.topic.dlq} {where}" in done
    await svc.wait_effects("poison-1")
    original, redriven = await svc.copies_on_topic(poison)
    assert redriven.key == b"poison-1" and payload_of(redriven) == payload_of(original)
    headers = cloudevents.decode(redriven.headers)
    assert not [k for k in headers if k.startswith("kefu_dlq_")]
    assert headers == cloudevents.decode(original.headers)

    # once only: a second run, and --all, skip what was redriven already
    status, again = await kefu(settings, "dlq", "redrive", svc.topic.dlq, "--offset", where)
    assert status == 0 and "already_redriven" in again and "redriven          " not in again
    status, everything = await kefu(settings, "dlq", "redrive", svc.topic.dlq, "--all", "--dry-run")
    assert status == 0
    assert f"already_redriven  {svc.topic.dlq} {where}" in everything
    assert "would_redrive" in everything and "bad-1" in everything
    await asyncio.sleep(1.0)
    assert len(await svc.copies_on_topic(poison)) == 2
    assert await svc.effects("poison-1") == 1


async def test_unknown_messages_and_topics_answer_status_2(ops_service: OpsService) -> None:
    settings = ops_service.settings
    status, _ = await kefu(settings, "dlq", "show", ops_service.topic.dlq, "0", "999")
    assert status == 2
    status, _ = await kefu(settings, "dlq", "redrive", "no.such.topic.dlq", "--offset", "0:0")
    assert status == 2
