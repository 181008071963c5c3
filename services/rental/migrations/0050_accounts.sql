-- Accounts and stored value: one account per user, created at its first movement (a
-- payment may arrive before the user's registration, so no foreign key to users).
-- balance, deposit and held (money set aside for pending refunds) are integer cents and
-- never negative; each always equals the sum of its column of deltas in account_ledger.
CREATE TABLE accounts (
    user_id       text        PRIMARY KEY,
    card_state    text        NOT NULL DEFAULT 'active'
                  CHECK (card_state IN ('active', 'expired', 'reported_lost', 'frozen')),
    balance_cents bigint      NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    deposit_cents bigint      NOT NULL DEFAULT 0 CHECK (deposit_cents >= 0),
    held_cents    bigint      NOT NULL DEFAULT 0 CHECK (held_cents >= 0),
    movements     bigint      NOT NULL DEFAULT 0,
    refunds       integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Every movement, append-only (the trigger below refuses UPDATE and DELETE).
-- reference is the movement's cause: a payment id, a top-up's serial number, a refund
-- request id; (kind, reference) is unique, so a cause never moves money twice.
CREATE TABLE account_ledger (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       text        NOT NULL REFERENCES accounts (user_id),
    kind          text        NOT NULL CHECK (kind IN ('top_up', 'deposit_paid',
                  'deposit_adjusted', 'rental_charge', 'insurance_fee', 'refund_held',
                  'refund_paid', 'refund_restored')),
    amount_cents  bigint      NOT NULL CHECK (amount_cents > 0),
    balance_delta bigint      NOT NULL,
    deposit_delta bigint      NOT NULL,
    held_delta    bigint      NOT NULL,
    balance_after bigint      NOT NULL CHECK (balance_after >= 0),
    deposit_after bigint      NOT NULL CHECK (deposit_after >= 0),
    held_after    bigint      NOT NULL CHECK (held_after >= 0),
    reference     text        NOT NULL,
    actor         text        NOT NULL,
    reason        text,
    at            timestamptz NOT NULL,
    UNIQUE (kind, reference)
);
CREATE INDEX account_ledger_by_user ON account_ledger (user_id, id DESC);
-- Fund flows: a date range (optionally one kind) in time order.
CREATE INDEX account_ledger_by_time ON account_ledger (at, id);
CREATE INDEX account_ledger_by_kind_time ON account_ledger (kind, at, id);

CREATE FUNCTION account_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'account_ledger is append-only';
END
$$;
CREATE TRIGGER account_ledger_append_only BEFORE UPDATE OR DELETE ON account_ledger
    FOR EACH ROW EXECUTE FUNCTION account_ledger_append_only();

-- Card state changes (active, expired, reported_lost, frozen), append-only: who, when, why.
CREATE TABLE card_state_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    text        NOT NULL REFERENCES accounts (user_id),
    old_state  text        NOT NULL,
    new_state  text        NOT NULL,
    reason     text        NOT NULL,
    actor      text        NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX card_state_changes_by_user ON card_state_changes (user_id, id DESC);

-- Identity verified before a counter top-up: by an SMS code (only its HMAC is kept) or an
-- ID check the agent records. A verification is good for one top-up, for a few minutes.
CREATE TABLE topup_codes (
    id              uuid        PRIMARY KEY,
    user_id         text        NOT NULL,
    phone           text        NOT NULL,
    purpose         text        NOT NULL,
    salt            bytea       NOT NULL,
    code_hash       bytea       NOT NULL,
    issued_at       timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    attempts_left   integer     NOT NULL CHECK (attempts_left >= 0),
    used_at         timestamptz,
    superseded      boolean     NOT NULL DEFAULT false,
    requested_by    text        NOT NULL,
    sms_dedupe_key  text        NOT NULL UNIQUE
);
CREATE INDEX topup_codes_latest ON topup_codes (phone, purpose, issued_at DESC);

CREATE TABLE identity_verifications (
    id             uuid        PRIMARY KEY,
    user_id        text        NOT NULL,
    method         text        NOT NULL CHECK (method IN ('sms_code', 'id_document', 'face_match')),
    document_last4 text,
    verified_by    text        NOT NULL,
    verified_at    timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    used_by_topup  text
);

-- Counter top-ups and their receipts (交易凭证): amount, time, serial number, kept for
-- look-up. Only top-ups that were charged are here; a refused one changed nothing.
CREATE SEQUENCE topup_serial;
CREATE TABLE topups (
    serial_no       text        PRIMARY KEY,
    user_id         text        NOT NULL REFERENCES accounts (user_id),
    amount_cents    bigint      NOT NULL CHECK (amount_cents > 0),
    payment_method  text        NOT NULL,
    payer_account   text        NOT NULL,
    charge_id       text        NOT NULL UNIQUE,
    verification_id uuid        NOT NULL REFERENCES identity_verifications (id),
    balance_before  bigint      NOT NULL,
    balance_after   bigint      NOT NULL,
    agent           text        NOT NULL,
    idempotency_key text        UNIQUE,
    at              timestamptz NOT NULL
);
CREATE INDEX topups_by_user ON topups (user_id, at DESC);
CREATE INDEX topups_by_time ON topups (at DESC);

-- Payments the platform received (rental.payment.received.v1), one per payment id.
CREATE TABLE payments_received (
    payment_id   text        PRIMARY KEY,
    user_id      text        NOT NULL,
    kind         text        NOT NULL,
    amount_cents bigint      NOT NULL,
    paid_at      timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- Refunds asked of the refund service; the money stays held while pending.
CREATE TABLE refund_requests (
    request_id    text        PRIMARY KEY,
    user_id       text        NOT NULL REFERENCES accounts (user_id),
    kind          text        NOT NULL CHECK (kind IN ('deposit', 'stored_value')),
    amount_cents  bigint      NOT NULL CHECK (amount_cents > 0),
    status        text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'completed', 'rejected')),
    reason        text        NOT NULL,
    proof         text,
    requested_by  text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    idempotency_key text      UNIQUE,
    refund_id     text,
    outcome       text,
    decided_by    text,
    decided_at    timestamptz
);
CREATE INDEX refund_requests_by_user ON refund_requests (user_id, requested_at DESC);
-- One pending refund of each kind per account.
CREATE UNIQUE INDEX refund_requests_one_pending ON refund_requests (user_id, kind)
    WHERE status = 'pending';
