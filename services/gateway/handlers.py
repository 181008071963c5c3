"""The gateway's own use cases: signing in, managing accounts, seeding demo accounts, health."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.gateway import audit, store
from services.gateway.context import Gateway
from services.gateway.domain.accounts import check_new_account, normalise_username
from services.gateway.domain.roles import DEMO_ACCOUNTS
from services.gateway.errors import InvalidCredentials
from services.gateway.passwords import Passwords
from services.gateway.tokens import IssuedToken
from shared.errors import DomainError
from shared.http import Actor
from shared.settings import SERVICES

log = logging.getLogger(__name__)
# Every service the stack runs, whether or not a route reaches it yet: SREs want them all.
SERVICES_BEHIND = [s for s in SERVICES if s != "gateway"]


class UsernameTaken(DomainError):
    code = "username_taken"


async def login(gateway: Gateway, username: str, password: str, address: str | None) -> IssuedToken:
    name = normalise_username(username)
    user = await store.get_user(gateway.pool, name)
    known = user.username if user is not None else None
    attempt = await gateway.sign_ins.begin(name, address, known)
    valid = await gateway.passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        # the typed name is kept only when it is an account's: else it may be a password
        reason = "unknown_account" if user is None else "wrong_password"
        if user is not None and valid:
            reason = "account_disabled"
        await audit.record(
            gateway.pool, "sign_in_refused", username=known, address=address, reason=reason
        )
        raise InvalidCredentials("wrong username or password")
    await gateway.sign_ins.right(attempt, name)
    if gateway.passwords.needs_rehash(user.password_hash):
        new_hash = await gateway.passwords.hash(password)
        await store.set_password_hash(gateway.pool, user.username, new_hash)
    await audit.record(gateway.pool, "signed_in", username=user.username, address=address)
    return gateway.tokens.issue(user.username, user.roles, datetime.now(UTC))


async def create_user(
    gateway: Gateway, actor: Actor, username: str, password: str, roles: Iterable[str]
) -> store.User:
    name = normalise_username(username)
    wanted = check_new_account(name, password, roles)
    password_hash = await gateway.passwords.hash(password)
    user = await store.insert_user(gateway.pool, name, password_hash, wanted, actor.username)
    if user is None:
        raise UsernameTaken(f"there is already a user {name}")
    log.info(
        "user created",
        extra={"fields": {"username": name, "roles": sorted(wanted), "by": actor.username}},
    )
    return user


async def list_users(gateway: Gateway) -> list[store.User]:
    return await store.list_users(gateway.pool)


async def seed_demo_accounts(
    pool: asyncpg.Pool, passwords: Passwords, demo_password: str | None
) -> list[str]:
    """Create or refresh the demo accounts; returns their usernames (none without a password).

    They share one password, so they share one stored hash: a start checks it once and
    hashes only when the password changed, instead of an argon2 check per account (which
    kept a loaded machine's gateway from serving for over a minute).
    """
    if not demo_password:
        log.info("KEFU_DEMO_PASSWORD is not set: no demo accounts created")
        return []
    users = {name: await store.get_user(pool, name) for name, _ in DEMO_ACCOUNTS}
    hashes = Counter(u.password_hash for u in users.values() if u is not None)
    password_hash = next(iter(hashes.most_common(1)), ("", 0))[0]
    if not password_hash or not await passwords.verify(password_hash, demo_password):
        password_hash = await passwords.hash(demo_password)
    for username, roles in DEMO_ACCOUNTS:
        user = users[username]
        if (
            user is not None
            and user.password_hash == password_hash
            and user.roles == roles
            and user.active
        ):
            continue
        await store.upsert_user(pool, username, password_hash, roles, created_by="kefu-demo")
    names = [name for name, _ in DEMO_ACCOUNTS]
    log.info("demo accounts ready", extra={"fields": {"usernames": names}})
    return names


async def health_report(gateway: Gateway) -> tuple[bool, dict[str, Any]]:
    own, others = await asyncio.gather(
        gateway.platform.health(), gateway.upstreams.health_of(SERVICES_BEHIND)
    )
    services = {"gateway": own, **others}
    down = [
        f"{name}: {problem}"
        for name, report in services.items()
        if report.get("status") != "ok"
        for problem in report.get("problems") or [report.get("error") or report.get("status")]
    ]
    ok = not down
    return ok, {"status": "ok" if ok else "degraded", "down": down, "services": services}
