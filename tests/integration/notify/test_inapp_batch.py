"""Issue 14 point 8 for the in-app notices' batch handler: a request that can never be
delivered (an unknown template) rolls its batch back, the batch is applied one message
at a time and only that one is dead-lettered. Each batch-mate lands in its inbox once, and
nothing reaching outside the database (outbox, the SMS sandbox's books) moves.

The notify service here is the test's alone: a database of its own (its service name) on
a broker of its own, so no other test's requests left on the shared topics are consumed
(and sent) while it counts what left the database."""

from __future__ import annotations

import pytest

from tests.batch_replay import apply_one_batch, dead_letters, outside_effects, replayed, watch
from tests.integration.notify.conftest import Notify, key

pytestmark = pytest.mark.integration

NAME = "notify.inapp_requested"


async def test_an_undeliverable_notice_replays_no_batch_mate(
    alone: Notify, caplog: pytest.LogCaptureFixture
) -> None:
    watch(caplog)
    requests = [
        {"recipient": "u-batch-1", "dedupe_key": key("a"), "text": "one", "requested_by": "t"},
        {
            "recipient": "u-batch-2",
            "dedupe_key": key("bad"),
            "template_id": "no_such_template",
            "requested_by": "t",
        },
        {"recipient": "u-batch-3", "dedupe_key": key("c"), "text": "three", "requested_by": "t"},
        {"recipient": "u-batch-1", "dedupe_key": key("d"), "text": "four", "requested_by": "t"},
    ]
    runtime = alone.app.state.platform.runtime
    before = await outside_effects(alone.pool)

    with dead_letters(runtime) as dead:
        sent = await apply_one_batch(runtime, NAME, requests)

    assert replayed(caplog, NAME)
    # of this batch (the service's own consumer may dead-letter another test's message meanwhile)
    assert [d for d in dead if d in sent] == [sent[1]]  # the unknown template alone
    rows = await alone.pool.fetch(
        "SELECT dedupe_key, body FROM inbox_messages WHERE dedupe_key = ANY($1)",
        [r["dedupe_key"] for r in requests],
    )
    delivered = sorted((r["dedupe_key"], r["body"]) for r in rows)
    assert delivered == sorted((r["dedupe_key"], r["text"]) for r in requests if "text" in r)
    assert await outside_effects(alone.pool) == before
