"""Every service keeps the one layout of docs/architecture.md at its root: the named modules
and packages, and sub-areas that repeat it. import-linter checks who imports whom; this
checks that nothing sits beside them (a views.py or store.py at a service's root would
be outside every layer the contract names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import SERVICES

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
LAYOUT = {
    "__init__.py",
    "__main__.py",
    "app.py",
    "settings.py",
    "deps.py",
    "subscribers.py",
    "background.py",
    "ops.py",
    "api",
    "handlers",
    "store",
    "domain",
    "adapters",
    "migrations",
    "README.md",
}
SUB_AREA = LAYOUT - {"__main__.py", "app.py", "settings.py", "ops.py", "migrations", "README.md"}
ROUTER = {"gateway"}
"""A router in front of the services, not a service of this shape (docs/architecture.md)."""


def entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != "__pycache__"}


@pytest.mark.parametrize("service", [s for s in SERVICES if s not in ROUTER])
def test_a_service_root_holds_the_layout_and_its_sub_areas(service: str) -> None:
    root = SERVICES_DIR / service
    others = entries(root) - LAYOUT
    sub_areas = {name for name in others if (root / name / "deps.py").exists()}
    assert others - sub_areas == set(), f"outside the layout of services/{service}"
    for area in sub_areas:
        stray = entries(root / area) - SUB_AREA
        assert stray == set(), f"outside the layout of services/{service}/{area}"
