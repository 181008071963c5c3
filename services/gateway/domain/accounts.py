"""Rules for the gateway's own user accounts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.gateway.domain.roles import KNOWN_ROLES
from shared.errors import InvalidInput

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
MIN_PASSWORD_LENGTH = 10


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: ``Agent`` signs in as ``agent``."""
    return username.strip().lower()


def check_new_account(username: str, password: str, roles: Iterable[str]) -> frozenset[str]:
    """The account's roles, once its username, password and roles pass the rules."""
    if not USERNAME.match(username):
        raise InvalidInput(
            "a username is 2 to 64 lower-case letters, digits, '.', '_' or '-',"
            " starting with a letter",
            code="invalid_username",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    if password.strip() != password or username in password.lower():
        raise InvalidInput(
            "a password may not contain the username or start or end with spaces",
            code="weak_password",
        )
    wanted = frozenset(roles)
    if not wanted:
        raise InvalidInput("an account needs at least one role", code="roles_required")
    unknown = sorted(wanted - KNOWN_ROLES)
    if unknown:
        raise InvalidInput(
            f"unknown roles: {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_ROLES))})",
            code="unknown_role",
        )
    return wanted
