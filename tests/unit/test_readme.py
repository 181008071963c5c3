"""The README stays true: it opens with the first steps, and documents every setting."""

from __future__ import annotations

from pathlib import Path

from shared.settings import SERVICES, PlatformSettings
from tests.settings_classes import every_setting, own_fields, service_settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_first_steps() -> None:
    headings = [line for line in README.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# Kefu") and headings[1] == "## First steps"
    steps = README.split("## First steps\n", 1)[1].split("\n## ", 1)[0]
    said = ("make up", "/docs", "login agent", "kefu demo", "Five things to try", "make test")
    where = [steps.index(what) for what in said]
    assert where == sorted(where), "up, console, sign in, kefu demo, five things, then tests"


def settings_tables() -> dict[str, str]:
    """The README's settings tables by their heading (``Platform``, ``refund ...``)."""
    section = README.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return {part.split("\n", 1)[0].split(" ", 1)[0]: part for part in section.split("\n### ")[1:]}


def missing_from(table: str, names: list[str]) -> list[str]:
    return [f"KEFU_{n.upper()}" for n in names if f"| `KEFU_{n.upper()}` |" not in table]


def test_every_setting_is_in_its_services_settings_table() -> None:
    tables = settings_tables()
    platform = missing_from(tables["Platform"], list(PlatformSettings.model_fields))
    assert platform == [], f"README.md's platform settings table lacks {platform}"
    services = service_settings()
    assert sorted(services) == ["gateway", "notify", "points", "refund", "rental", "voucher"]
    for service, kind in services.items():
        assert service in tables, f"README.md has no settings table for {service}"
        missing = missing_from(tables[service], own_fields(kind))
        assert missing == [], f"README.md's {service} settings table lacks {missing}"
    listed = sum(table.count("| `KEFU_") for table in tables.values())
    assert listed == len(every_setting()), "a table lists a setting twice or one that is gone"


def test_every_service_process_is_listed() -> None:
    for name in SERVICES:
        assert f"`python -m services.{name}`" in README, name
