"""When the stack cannot start, the error names the part and shows why, and nothing is left."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from shared.devstack.broker import free_port, port_open
from shared.devstack.stack import Stack, StackError
from shared.settings import Settings
from tests.infra import Infra

pytestmark = pytest.mark.e2e


def settings_for(infra: Infra, home: Path, **changes: object) -> Settings:
    return Settings(
        database_url=infra.database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        points_port=free_port(),
        points_metrics_port=free_port(),
        home=home,
        demo_password="x" * 12,
    ).model_copy(update=changes)


def test_a_service_that_dies_while_starting_is_named_with_its_log(
    infra: Infra, tmp_path: Path
) -> None:
    settings = settings_for(infra, tmp_path, log_level="NO_SUCH_LEVEL")
    stack = Stack(settings, services=("points",), out=lambda _: None, health_timeout=30)
    with pytest.raises(StackError) as failed:
        stack.start()
    message = str(failed.value)
    assert message.startswith("points exited with code 1 while starting"), message
    assert "NO_SUCH_LEVEL" in message, "the end of its log"
    assert str(tmp_path / "logs" / "points.log") in message
    assert not port_open("127.0.0.1", settings.points_port)


def test_a_taken_port_is_reported_before_anything_starts(infra: Infra, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = settings_for(infra, tmp_path, points_port=port)
        stack = Stack(settings, services=("points",), out=lambda _: None)
        with pytest.raises(StackError, match=f"port {port} for points is taken"):
            stack.start()
    assert stack.children == {} and not (tmp_path / "logs").exists()
