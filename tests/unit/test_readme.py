"""The README stays true: it opens with the first steps, and documents every setting."""

from __future__ import annotations

from pathlib import Path

from shared.settings import SERVICES, Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_first_steps() -> None:
    headings = [line for line in README.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# Kefu") and headings[1] == "## First steps"
    steps = README.split("## First steps\n", 1)[1].split("\n## ", 1)[0]
    said = ("make up", "/docs", "login agent", "kefu demo", "Five things to try", "make test")
    where = [steps.index(what) for what in said]
    assert where == sorted(where), "up, console, sign in, kefu demo, five things, then tests"


def test_every_setting_is_in_the_settings_table() -> None:
    missing = [
        f"KEFU_{name.upper()}"
        for name in Settings.model_fields
        if f"| `KEFU_{name.upper()}` |" not in README
    ]
    assert missing == [], f"README.md's settings table lacks {missing}"


def test_every_service_process_is_listed() -> None:
    for name in SERVICES:
        assert f"`python -m services.{name}`" in README, name
