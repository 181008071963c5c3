from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.settings import Settings
from tests.infra import Infra, provide_infra, settings_on


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with provide_infra() as provided:
        yield provided


@pytest.fixture
def settings(infra: Infra, tmp_path: Path) -> Settings:
    """Settings on the test infrastructure, with fast consumer-group timings."""
    return settings_on(infra, home=tmp_path / ".kefu")


@pytest.fixture
def unique() -> str:
    """A short unique suffix for topic, group and database names."""
    return uuid.uuid4().hex[:8]
