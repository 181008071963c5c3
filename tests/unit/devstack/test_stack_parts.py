"""The supervisor's pure parts: secrets kept owner-only, settings handed to children intact."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from shared.cli import main
from shared.devstack.secrets import stack_secrets
from shared.devstack.stack import forget_dead_handles, platform_variable, settings_env
from shared.settings import Settings


def test_generated_secrets_are_private_and_kept_across_restarts(tmp_path: Path) -> None:
    first = stack_secrets(Settings(), tmp_path)
    again = stack_secrets(Settings(), tmp_path)
    assert first == again
    assert len(first.jwt_secret) >= 32 and len(first.demo_password) >= 10
    assert len(first.internal_secret) >= 32 and first.internal_secret != first.jwt_secret
    assert first.demo_password_file == tmp_path / "demo_password"
    for name in ("jwt_secret", "internal_secret", "demo_password"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    other = stack_secrets(Settings(), tmp_path / "elsewhere")
    assert other.jwt_secret != first.jwt_secret


def test_secrets_from_settings_win_and_nothing_is_written(tmp_path: Path) -> None:
    given = Settings(jwt_secret="j" * 40, internal_secret="i" * 40, demo_password="hunter2-demo")
    got = stack_secrets(given, tmp_path)
    assert (got.jwt_secret, got.internal_secret, got.demo_password, got.demo_password_file) == (
        "j" * 40,
        "i" * 40,
        "hunter2-demo",
        None,
    )
    assert list(tmp_path.iterdir()) == []


def test_children_read_back_exactly_the_supervisors_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(
        database_url="postgresql://u:p@db/postgres",
        kafka_bootstrap="k:9092",
        gateway_port=18080,
        kafka_idempotence=True,
        retry_base_seconds=0.1,
        demo_password="pw",
        home=Path("/tmp/x"),
    )
    env = settings_env(settings)
    assert env["KEFU_DEMO_PASSWORD"] == "pw" and env["KEFU_KAFKA_IDEMPOTENCE"] == "true"
    assert "KEFU_JWT_SECRET" not in env and "KEFU_OTLP_ENDPOINT" not in env
    for name in list(os.environ):
        if name.startswith("KEFU_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    read_back = Settings()
    assert read_back.model_dump() == settings.model_dump()
    assert read_back.demo_password is not None
    assert read_back.demo_password.get_secret_value() == "pw"


def test_dead_holders_of_the_embedded_postgres_are_forgotten(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / ".handle_pids.json").write_text(json.dumps([dead.pid, os.getpid()]))
    forget_dead_handles(tmp_path)
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [os.getpid()]
    forget_dead_handles(tmp_path / "missing")  # a new data folder: nothing to do


def test_cli_prints_the_asyncapi_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["asyncapi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Generated") and "voucher.issued.v1.dlq" in out
    with pytest.raises(SystemExit):
        main(["nonsense"])


def test_kefu_up_passes_a_services_own_settings_through_to_its_children() -> None:
    # the supervisor writes the platform's settings itself and drops what it inherited
    # of them; a service's own (services/<name>/settings.py) it cannot know, so it keeps
    assert platform_variable("KEFU_DATABASE_URL") and platform_variable("KEFU_RENTAL_PORT")
    assert not platform_variable("KEFU_REFUND_FILING_LIMIT_MINUTES")
    assert not platform_variable("KEFU_RENTAL_TOPUP_LIMITS")
    assert not platform_variable("PATH")
