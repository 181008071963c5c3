"""A running service answers GET /metrics on its metrics port with the contract's metric
names after some traffic."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from shared.contracts import NOTIFY_INAPP_REQUESTED
from shared.devstack.broker import free_port
from shared.http import metrics_listener
from shared.telemetry import setup_metrics
from tests.infra import Infra, eventually
from tests.integration.notify.conftest import key, notify_settings, running_notify

pytestmark = pytest.mark.integration


def series(text: str, name: str, **labels: str) -> list[float]:
    """The values of ``name`` whose labels include ``labels``."""
    found = []
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match is None:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            found.append(float(match.group(2)))
    return found


async def test_metrics_after_requests_messages_and_a_dead_letter(
    infra: Infra, tmp_path: Path
) -> None:
    settings = notify_settings(
        infra, tmp_path / ".kefu", metrics_sample_seconds=0.1, lag_poll_seconds=0.1
    )
    assert setup_metrics("notify", settings)
    async with metrics_listener("127.0.0.1", free_port()) as port:
        assert port is not None
        async with running_notify(settings) as notify:
            user = f"U{key()}"
            await notify.inapp(user, key("bad"), template_id="feedback_rejected", params={})
            good = key("good")
            await notify.inapp(user, good, text="您好")
            await notify.get("/announcements")
            await notify.http.get("/health")
            group = notify.app.state.platform.runtime.group  # the service's one group

            async def scraped() -> str | None:
                # The fresh group reads the topic from its start, earlier tests' requests first:
                # only once ours is in the inbox are both of ours (one partition) behind it.
                if not await notify.pool.fetchval(
                    "SELECT 1 FROM inbox_messages WHERE dedupe_key = $1", good
                ):
                    return None
                async with httpx.AsyncClient() as scraper:
                    response = await scraper.get(f"http://127.0.0.1:{port}/metrics")
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/plain")
                text = response.text
                lagging = series(text, "kefu_consumer_lag", messaging_consumer_group_name=group)
                done = series(
                    text,
                    "messaging_process_duration_seconds_count",
                    messaging_destination_name=NOTIFY_INAPP_REQUESTED.name,
                    messaging_consumer_group_name=group,
                    kefu_outcome="ok",
                )
                return text if lagging and done and done[0] >= 1 else None

            text = await eventually(scraped, within=20, what="metrics after traffic")

    assert series(
        text,
        "http_server_request_duration_seconds_count",
        http_route="/announcements",
        http_request_method="GET",
        http_response_status_code="200",
    ) == [1.0]
    assert "http_server_request_duration_seconds_bucket{" in text
    assert 'http_route="/health"' not in text and 'http_route="/metrics"' not in text
    assert (
        series(
            text,
            "messaging_process_duration_seconds_count",
            messaging_destination_name=NOTIFY_INAPP_REQUESTED.name,
            messaging_consumer_group_name=group,
            kefu_outcome="dlq",
        )[0]
        >= 1  # ours, and any bad request an earlier test left on the topic
    )
    dead = series(
        text, "kefu_dlq_messages_total", messaging_destination_name=NOTIFY_INAPP_REQUESTED.dlq
    )
    assert sum(dead) >= 1
    # each platform reason is there from the start, at zero until it happens
    assert series(
        text,
        "kefu_dlq_messages_total",
        messaging_destination_name=NOTIFY_INAPP_REQUESTED.dlq,
        kefu_dlq_reason="invalid_headers",
    ) == [0.0]
    assert series(text, "kefu_outbox_backlog") and series(text, "kefu_outbox_oldest_age_seconds")
    assert series(
        text,
        "kefu_parked_messages",
        messaging_consumer_group_name=group,
        kefu_subscription="notify.inapp_requested",
    ) == [0.0]
    lags = series(text, "kefu_consumer_lag", messaging_destination_name=NOTIFY_INAPP_REQUESTED.name)
    assert lags and all(lag >= 0 for lag in lags)
