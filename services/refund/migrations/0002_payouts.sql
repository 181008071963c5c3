-- Payouts: the money leaving, one per refund form or requested refund, ever.
-- The worker claims due rows (FOR UPDATE SKIP LOCKED) under a lease, calls the
-- payment provider with payout_id as its idempotency key, then records the result.

CREATE TABLE payouts (
    payout_id       text        PRIMARY KEY,            -- 'form-<form_id>' / 'requested-<refund_id>'
    subject_kind    text        NOT NULL CHECK (subject_kind IN ('form', 'requested')),
    subject_id      text        NOT NULL,
    amount_cents    bigint      NOT NULL CHECK (amount_cents > 0),
    account         text        NOT NULL,               -- where it goes: bank or user account
    status          text        NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,               -- due time, or the running attempt's lease
    last_error      text,
    reference       text,                               -- the provider's reference once paid
    created_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    UNIQUE (subject_kind, subject_id)
);
CREATE INDEX payouts_due ON payouts (next_attempt_at) WHERE status = 'pending';

-- The sandbox payment provider's own books. It stands for the outside system, so it
-- lives in a schema of its own and is written outside the service's transactions.
CREATE SCHEMA sandbox_payment;

CREATE TABLE sandbox_payment.payouts (
    payout_id    text        PRIMARY KEY,               -- paid once per id, ever
    amount_cents bigint      NOT NULL,
    account      text        NOT NULL,
    reference    text        NOT NULL,
    paid_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_payment.payout_attempts (
    id           bigserial   PRIMARY KEY,
    payout_id    text        NOT NULL,
    amount_cents bigint      NOT NULL,
    paid         boolean     NOT NULL,
    detail       text        NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payout_attempts_payout ON sandbox_payment.payout_attempts (payout_id, id);
