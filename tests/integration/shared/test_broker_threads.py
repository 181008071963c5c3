"""The embedded broker wakes one worker thread, not one per core: an idle stack's broker
looks at each idle fetch on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.devstack.broker import EmbeddedBroker
from tests.integration.shared.test_recovery import broker  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration


def test_the_embedded_broker_runs_one_worker_thread(broker: EmbeddedBroker) -> None:  # noqa: F811
    tansu = broker.tansu_pid()
    assert tansu is not None
    names = [(task / "comm").read_text().strip() for task in Path(f"/proc/{tansu}/task").iterdir()]
    assert names.count("tokio-rt-worker") == 1, names
