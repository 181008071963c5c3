-- Operations: the void and reversal commands agents give, and their append-only records.

-- One row per command (a void of one voucher, or a reversal of one order). A
-- retry resumes the same operation, so its id stays the agent's handle on it.
CREATE TABLE operations (
    operation_id      uuid        PRIMARY KEY,
    type              text        NOT NULL CHECK (type IN ('void', 'reversal')),
    merchant_order_no text        NOT NULL REFERENCES orders (merchant_order_no),
    code              text        REFERENCES vouchers (code),
    status            text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    failure           text        CHECK (failure IN ('void_failed', 'points_refund_failed', 'voucher_used')),
    reason            text        NOT NULL,
    operator          text        NOT NULL,
    attempt           integer     NOT NULL DEFAULT 1,
    -- a pending void whose driver died is resumed by the timer sweep after this
    due_at            timestamptz,
    traceparent       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((type = 'void') = (code IS NOT NULL))
);
CREATE INDEX operations_code ON operations (code) WHERE code IS NOT NULL;
CREATE INDEX operations_pending_voids ON operations (due_at)
    WHERE type = 'void' AND status = 'pending';

-- What the agent sees per voucher: every attempt's outcome, never changed.
CREATE TABLE operation_records (
    operation_no bigserial   PRIMARY KEY,
    operation_id uuid        NOT NULL REFERENCES operations (operation_id),
    code         text        NOT NULL REFERENCES vouchers (code),
    type         text        NOT NULL CHECK (type IN ('void', 'reversal')),
    result       text        NOT NULL CHECK (result IN ('succeeded', 'failed')),
    failure      text        CHECK (failure IN ('void_failed', 'points_refund_failed', 'voucher_used')),
    reason       text        NOT NULL,
    operator     text        NOT NULL,
    attempt      integer     NOT NULL,
    trace_id     text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operation_records_code ON operation_records (code, operation_no);

-- Client Idempotency-Keys: one command each, so a replay answers with the same operation.
CREATE TABLE idempotency_keys (
    key          text        PRIMARY KEY,
    command      text        NOT NULL,
    -- deferred: the key is claimed first, so a concurrent replay waits on it
    operation_id uuid        NOT NULL REFERENCES operations (operation_id)
                             DEFERRABLE INITIALLY DEFERRED,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Redemptions reported for vouchers we had voided: kept for the operators
-- (the message itself goes to the DLQ with the reason).
CREATE TABLE redemption_conflicts (
    ce_id       text        PRIMARY KEY,
    code        text        NOT NULL,
    redeemed_at timestamptz NOT NULL,
    store_id    text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
