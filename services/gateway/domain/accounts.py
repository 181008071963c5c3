"""Rules for the gateway's own user accounts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.gateway.domain.roles import (
    ACCOUNTANT,
    ADMIN,
    CASHIER,
    FINANCE_DIRECTOR,
    KNOWN_ROLES,
)
from shared.errors import Forbidden, InvalidInput

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
FINANCIAL_ROLES = frozenset({CASHIER, ACCOUNTANT, FINANCE_DIRECTOR})
"""Roles that move or approve money: never held with ``admin`` (DOMAIN.md: "admin:
nothing financial"), or one person could grant themselves the money they approve."""


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
    check_password(username, password)
    return check_roles(roles)


def check_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    if password.strip() != password or username in password.lower():
        raise InvalidInput(
            "a password may not contain the username or start or end with spaces",
            code="weak_password",
        )


def check_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles, once known and compatible."""
    wanted = frozenset(roles)
    if not wanted:
        raise InvalidInput("an account needs at least one role", code="roles_required")
    unknown = sorted(wanted - KNOWN_ROLES)
    if unknown:
        raise InvalidInput(
            f"unknown roles: {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_ROLES))})",
            code="unknown_role",
        )
    if ADMIN in wanted and wanted & FINANCIAL_ROLES:
        raise InvalidInput(
            "admin may not be held with a financial role"
            f" ({', '.join(sorted(wanted & FINANCIAL_ROLES))}): admins manage accounts only",
            code="incompatible_roles",
        )
    return wanted


def check_not_own(actor: str, username: str, what: str) -> None:
    """An admin never changes their own access: another admin does (two people)."""
    if actor == username:
        raise Forbidden(f"you may not {what} your own account", code="own_account")
