"""The banner's sign-in pastes into a shell as it is; other kefu commands find the stack."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from shared.devstack.secrets import StackSecrets
from shared.devstack.stack_env import load_stack_env, read_stack_env, write_stack_env
from shared.devstack.up import login_body_shell


def _expanded(word: str, env: dict[str, str]) -> object:
    out = subprocess.run(
        ["bash", "-c", f"printf %s {word}"], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_the_sign_in_body_expands_the_password_file_or_the_variable(tmp_path: Path) -> None:
    kept = tmp_path / "my home" / "demo_password"
    kept.parent.mkdir()
    kept.write_text("s3cr-t_x\n")
    from_file = StackSecrets("jwt", "internal", "s3cr-t_x", kept)
    body = _expanded(login_body_shell(from_file), {"PATH": os.environ["PATH"]})
    assert body == {"username": "agent", "password": "s3cr-t_x"}
    from_variable = StackSecrets("jwt", "internal", "from-env", None)
    env = {"PATH": os.environ["PATH"], "KEFU_DEMO_PASSWORD": "from-env"}
    assert _expanded(login_body_shell(from_variable), env) == {
        "username": "agent",
        "password": "from-env",
    }


def test_other_commands_read_the_running_stacks_settings_and_never_its_secrets(
    tmp_path: Path,
) -> None:
    written = {
        "KEFU_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
        "KEFU_GATEWAY_PORT": "18080",
        "KEFU_JWT_SECRET": "never-on-disk",
        "KEFU_DEMO_PASSWORD": "nor-this",
        "PATH": "/not/ours",
    }
    path = write_stack_env(tmp_path, written)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_stack_env(tmp_path) == {
        "KEFU_GATEWAY_PORT": "18080",
        "KEFU_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
    }
    environ = {"KEFU_HOME": str(tmp_path), "KEFU_GATEWAY_PORT": "28080"}
    added = load_stack_env(environ)
    assert added == {"KEFU_KAFKA_BOOTSTRAP": "127.0.0.1:19092"}
    assert environ["KEFU_GATEWAY_PORT"] == "28080"  # what the user set wins
