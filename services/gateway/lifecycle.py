"""Taking access away and giving it back: sign-out, password change and reset, disable,
enable, roles. Every change is audited (``auth_events``) with who made it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from services.gateway import audit, store
from services.gateway.context import Gateway
from services.gateway.domain.accounts import check_not_own, check_password, check_roles
from services.gateway.tokens import IssuedToken
from shared.errors import Forbidden, NotFound
from shared.http import Actor


async def logout(gateway: Gateway, actor: Actor) -> None:
    """Every token of the account stops working at once (all its sessions end)."""
    await store.end_sessions(gateway.pool, actor.username)
    gateway.accounts.forget(actor.username)
    await audit.record(gateway.pool, "signed_out", username=actor.username)


async def change_password(gateway: Gateway, actor: Actor, current: str, new: str) -> IssuedToken:
    """The account's own change; its other sessions end, and this one gets a new token."""
    user = await _existing(gateway, actor.username)
    if not await gateway.passwords.verify(user.password_hash, current):
        await audit.record(gateway.pool, "password_change_refused", username=user.username)
        raise Forbidden("the current password is wrong", code="wrong_password")
    check_password(user.username, new)
    if new == current:
        raise Forbidden("choose a password other than the current one", code="same_password")
    new_hash = await gateway.passwords.hash(new)
    await store.replace_password(gateway.pool, user.username, new_hash, must_change=False)
    gateway.accounts.forget(user.username)
    await audit.record(gateway.pool, "password_changed", username=user.username)
    return gateway.tokens.issue(user.username, user.roles, datetime.now(UTC))


async def reset_password(gateway: Gateway, actor: Actor, username: str, new: str) -> None:
    """An admin's reset: the account's sessions end and it must choose its own next."""
    check_not_own(actor.username, username, "reset the password of")
    user = await _existing(gateway, username)
    check_password(user.username, new)
    new_hash = await gateway.passwords.hash(new)
    await store.replace_password(gateway.pool, user.username, new_hash, must_change=True)
    gateway.accounts.forget(user.username)
    await audit.record(gateway.pool, "password_reset", username=username, actor=actor.username)


async def set_active(gateway: Gateway, actor: Actor, username: str, active: bool) -> store.User:
    check_not_own(actor.username, username, "enable" if active else "disable")
    changed = await store.set_active(gateway.pool, username, active)
    gateway.accounts.forget(username)
    if not changed:
        raise NotFound(f"there is no user {username}", code="user_not_found")
    event = "account_enabled" if active else "account_disabled"
    await audit.record(gateway.pool, event, username=username, actor=actor.username)
    return await _existing(gateway, username)


async def set_roles(
    gateway: Gateway, actor: Actor, username: str, roles: Iterable[str]
) -> store.User:
    check_not_own(actor.username, username, "change the roles of")
    wanted = check_roles(roles)
    before = await _existing(gateway, username)
    await store.set_roles(gateway.pool, username, wanted)
    gateway.accounts.forget(username)
    await audit.record(
        gateway.pool,
        "roles_changed",
        username=username,
        actor=actor.username,
        before=sorted(before.roles),
        after=sorted(wanted),
    )
    return await _existing(gateway, username)


async def _existing(gateway: Gateway, username: str) -> store.User:
    user = await store.get_user(gateway.pool, username)
    if user is None:
        raise NotFound(f"there is no user {username}", code="user_not_found")
    return user
