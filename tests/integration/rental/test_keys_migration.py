"""Migration 0055 on a database holding keys from before the shared key path: each
refund request's, top-up's and deposit change's key still answers its own command,
and another customer's is refused."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from services.rental.app import MIGRATIONS
from shared import idempotency
from shared.db.migrate import SHARED_MIGRATIONS, migrate
from shared.db.pool import create_pool, ensure_database
from shared.errors import IdempotencyKeyReused
from shared.idempotency import Command
from shared.settings import database_url_with_name
from tests.infra import Infra

pytestmark = pytest.mark.integration

LEGACY = """
INSERT INTO accounts (user_id) VALUES ('U1');
INSERT INTO refund_requests (request_id, user_id, kind, amount_cents, payout_cents, reason,
    requested_by, requested_at, idempotency_key)
VALUES ('rental-deposit-U1-1', 'U1', 'deposit', 100, 100, 'r', 'agent', now(), 'k1-refund');
INSERT INTO identity_verifications (id, user_id, method, verified_by, verified_at, expires_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'U1', 'id_document', 'agent', now(), now());
INSERT INTO topup_charges (charge_id, user_id, idempotency_key, amount_cents, payment_method,
    payer_account, verification_id, agent, status, requested_at)
VALUES ('top-up:U1:k1-topup', 'U1', 'k1-topup', 500, 'bank_card', '6222',
    '00000000-0000-0000-0000-000000000001', 'agent', 'failed', now());
INSERT INTO account_ledger (user_id, kind, amount_cents, balance_delta, deposit_delta,
    held_delta, balance_after, deposit_after, held_after, reference, actor, at)
VALUES ('U1', 'deposit_adjusted', 100, 0, 100, 0, 0, 100, 0, 'deposit-change:U1:k1-deposit',
    'ops', now());
"""


async def test_keys_from_before_answer_their_own_commands(infra: Infra, tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for sql in sorted(MIGRATIONS.glob("*.sql")):
        if sql.name < "0055":
            shutil.copy(sql, before / sql.name)
    url = database_url_with_name(infra.database_url, f"rental_keys_{uuid.uuid4().hex[:8]}")
    await ensure_database(url)
    pool = await create_pool(url)
    try:
        await migrate(pool, [("shared", SHARED_MIGRATIONS), ("rental", before)])
        await pool.execute(LEGACY)
        await migrate(pool, [("shared", SHARED_MIGRATIONS), ("rental", MIGRATIONS)])
        kept = {
            "k1-refund": ("refund_request", "rental-deposit-U1-1"),
            "k1-topup": ("top_up", "top-up:U1:k1-topup"),
            "k1-deposit": ("deposit_change", "U1"),
        }
        async with pool.acquire() as conn:
            for key, (name, subject) in kept.items():
                async with conn.transaction():
                    claim = await idempotency.claim(conn, key, Command(name, "U1"), "new")
                    assert claim is not None and claim.subject == subject, key
                with pytest.raises(IdempotencyKeyReused):
                    async with conn.transaction():
                        await idempotency.claim(conn, key, Command(name, "U2"), "new")
        columns = await pool.fetch(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'refund_requests' AND column_name = 'idempotency_key'"
        )
        assert columns == []
    finally:
        await pool.close()
