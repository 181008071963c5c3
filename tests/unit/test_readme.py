"""The README stays true: it opens with the two commands, and documents every setting."""

from __future__ import annotations

from pathlib import Path

from shared.settings import SERVICES, Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_make_up_and_make_test() -> None:
    opening = [line.split("#")[0].strip() for line in README.splitlines()[:4]]
    assert opening[0].startswith("```")
    assert opening[1:3] == ["make up", "make test"]


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
