"""Accounts (``accounts``) and their append-only ledger (``account_ledger``).

Every change to an account's sums goes through :func:`record`, under the account's row
lock (:func:`lock`), with its ledger row in the same transaction: the ledger and the
sums cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.rental.accounts.domain.card import CardState
from services.rental.accounts.domain.ledger import Books, Movement
from services.rental.accounts.domain.stored import (
    Account,
    AccountHolder,
    CardChange,
    LedgerEntry,
    ListedAccount,
)
from services.rental.domain.query import UserQuery
from services.rental.store.users import search_sql
from shared.db import Db
from shared.db.rows import row_as, rows_as
from shared.paging import Position


async def lock(conn: asyncpg.Connection, user_id: str) -> Account:
    """The account's row, locked for this transaction; opened (empty, active) if new.

    One lock per account serialises every movement on it: concurrent top-ups, charges
    and refunds each see the sums the previous one left.
    """
    await conn.execute("INSERT INTO accounts (user_id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    row = await conn.fetchrow("SELECT * FROM accounts WHERE user_id = $1 FOR UPDATE", user_id)
    assert row is not None
    return row_as(Account, row)


_LIST = (
    "SELECT user_id, u.phone, u.name, u.card_type, u.registered_at, u.status,"
    " u.blacklisted_at IS NOT NULL AS blacklisted,"
    " coalesce(a.card_state, 'active') AS card_state,"
    " coalesce(a.balance_cents, 0) AS balance_cents,"
    " coalesce(a.deposit_cents, 0) AS deposit_cents, coalesce(a.held_cents, 0) AS held_cents"
    " FROM users u LEFT JOIN accounts a USING (user_id)"
)


async def search(db: Db, query: UserQuery, after: Position | None) -> list[ListedAccount]:
    """The account list (账户列表): registered users with their balance and deposit (an
    account not opened yet shows zeros), found by the users' filters, in their order."""
    sql, args = search_sql(query, after, _LIST)
    return rows_as(ListedAccount, await db.fetch(sql, *args))


async def view(db: Db, user_id: str) -> Account | None:
    """The account, unlocked; None if none was opened."""
    row = await db.fetchrow("SELECT * FROM accounts WHERE user_id = $1", user_id)
    return None if row is None else row_as(Account, row)


async def user(db: Db, user_id: str) -> AccountHolder | None:
    """The registered (not deleted) user, from the users module's table."""
    row = await db.fetchrow(
        "SELECT user_id, phone, name, card_type FROM users"
        " WHERE user_id = $1 AND deleted_at IS NULL",
        user_id,
    )
    return None if row is None else row_as(AccountHolder, row)


async def record(
    conn: asyncpg.Connection,
    user_id: str,
    movement: Movement,
    *,
    reference: str,
    actor: str,
    reason: str | None,
    at: datetime,
) -> int | None:
    """Append the movement and set the account's sums to its ``after``; None (and nothing
    changed) if this kind of movement for ``reference`` is already in the ledger."""
    movement_id = await conn.fetchval(
        "INSERT INTO account_ledger (user_id, kind, amount_cents, balance_delta, deposit_delta,"
        " held_delta, balance_after, deposit_after, held_after, reference, actor, reason, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (kind, reference) DO NOTHING RETURNING id",
        user_id,
        movement.kind.value,
        movement.amount_cents,
        movement.effect.balance_cents,
        movement.effect.deposit_cents,
        movement.effect.held_cents,
        movement.after.balance_cents,
        movement.after.deposit_cents,
        movement.after.held_cents,
        reference,
        actor,
        reason,
        at,
    )
    if movement_id is None:
        return None
    await conn.execute(
        "UPDATE accounts SET balance_cents = $2, deposit_cents = $3, held_cents = $4,"
        " movements = movements + 1, updated_at = $5 WHERE user_id = $1",
        user_id,
        movement.after.balance_cents,
        movement.after.deposit_cents,
        movement.after.held_cents,
        at,
    )
    return int(movement_id)


async def set_card_state(
    conn: asyncpg.Connection,
    user_id: str,
    old: CardState,
    new: CardState,
    *,
    reason: str,
    actor: str,
    at: datetime,
) -> None:
    await conn.execute(
        "UPDATE accounts SET card_state = $2, updated_at = $3 WHERE user_id = $1",
        user_id,
        new.value,
        at,
    )
    await conn.execute(
        "INSERT INTO card_state_changes (user_id, old_state, new_state, reason, actor, at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        user_id,
        old.value,
        new.value,
        reason,
        actor,
        at,
    )


async def card_history(
    db: Db, user_id: str, *, before_id: int | None = None, limit: int = 1
) -> list[CardChange]:
    """The card's changes newest first, below ``before_id``; ``limit + 1`` rows."""
    return rows_as(
        CardChange,
        await db.fetch(
            "SELECT id, old_state, new_state, reason, actor, at FROM card_state_changes"
            " WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
            user_id,
            before_id,
            limit + 1,
        ),
    )


async def movements(
    db: Db, user_id: str, *, before_id: int | None, limit: int, book: str | None = None
) -> list[LedgerEntry]:
    """The account's ledger, newest first, a keyset page below ``before_id``; ``limit + 1``
    rows (the extra one only says more follow). With ``book`` (balance, deposit, held)
    only the movements that changed that sum."""
    return rows_as(
        LedgerEntry,
        await db.fetch(
            "SELECT id, kind, amount_cents, balance_delta, deposit_delta, held_delta,"
            " balance_after, deposit_after, held_after, reference, actor, reason, at"
            " FROM account_ledger WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2)"
            " AND ($4::text IS NULL OR ($4 = 'balance' AND balance_delta <> 0)"
            " OR ($4 = 'deposit' AND deposit_delta <> 0) OR ($4 = 'held' AND held_delta <> 0))"
            " ORDER BY id DESC LIMIT $3",
            user_id,
            before_id,
            limit + 1,
            book,
        ),
    )


async def ledger_sums(db: Db, user_id: str) -> Books:
    """The sums of the ledger's deltas: what the account's sums must equal."""
    row = await db.fetchrow(
        "SELECT coalesce(sum(balance_delta), 0) AS b, coalesce(sum(deposit_delta), 0) AS d,"
        " coalesce(sum(held_delta), 0) AS h FROM account_ledger WHERE user_id = $1",
        user_id,
    )
    return Books(int(row["b"]), int(row["d"]), int(row["h"]))
