"""Secrets the embedded stack generates once and keeps under ``<home>``.

Nothing is hard-coded: the JWT signing secret, the internal key the gateway signs
its calls to the services with, and the demo accounts' password are random,
written owner-only (0600) on first start and read back afterwards, so tokens and
the password survive a restart of ``kefu up``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shared.settings import Settings

JWT_SECRET_FILE = "jwt_secret"
INTERNAL_SECRET_FILE = "internal_secret"
DEMO_PASSWORD_FILE = "demo_password"


@dataclass(frozen=True)
class StackSecrets:
    jwt_secret: str
    internal_secret: str
    demo_password: str
    demo_password_file: Path | None
    """Where the generated password is kept; None when it came from ``KEFU_DEMO_PASSWORD``."""


def persisted_secret(path: Path, make: int) -> str:
    """The secret in ``path``; a new one of ``make`` random bytes if the file is missing."""
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
        path.unlink(missing_ok=True)  # left empty by a crash: a file is linked in only whole
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(make)
    # written whole under a name of its own, created 0600 from the start (never readable
    # by others, even for an instant), then linked into place: two processes starting at
    # once (notify and a producer share the SMS seal key) agree on the first one linked
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        draft.unlink()
    path.chmod(0o600)
    return value


def stack_secrets(settings: Settings, home: Path) -> StackSecrets:
    """The settings' secrets when given, else the ones persisted under ``home``."""
    if settings.jwt_secret is not None:
        jwt = settings.jwt_secret.get_secret_value()
    else:
        jwt = persisted_secret(home / JWT_SECRET_FILE, 48)
    if settings.internal_secret is not None:
        internal = settings.internal_secret.get_secret_value()
    else:
        internal = persisted_secret(home / INTERNAL_SECRET_FILE, 48)
    if settings.demo_password is not None:
        return StackSecrets(jwt, internal, settings.demo_password.get_secret_value(), None)
    path = home / DEMO_PASSWORD_FILE
    return StackSecrets(jwt, internal, persisted_secret(path, 9), path)


def private_log(path: Path) -> IO[bytes]:
    """A log file for appending, readable by its owner only (0600, even if it was not)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "ab")
