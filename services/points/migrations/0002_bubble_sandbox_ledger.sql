-- The sandbox bubble-points provider's own ledger. The real provider is an outside
-- system with its own books; in production these tables stay empty.

CREATE TABLE bubble_accounts (
    user_id    text        PRIMARY KEY,
    balance    bigint      NOT NULL DEFAULT 0 CHECK (balance >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only: a movement is never changed or removed (the trigger below).
-- The unique refund_id is the provider's idempotency guarantee: one refund per id.
CREATE TABLE bubble_movements (
    id                bigserial   PRIMARY KEY,
    user_id           text        NOT NULL REFERENCES bubble_accounts (user_id),
    kind              text        NOT NULL CHECK (kind IN ('refund')),
    points            bigint      NOT NULL,
    balance_after     bigint      NOT NULL,
    refund_id         text        UNIQUE,
    merchant_order_no text,
    at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bubble_movements_by_user ON bubble_movements (user_id, id DESC);

-- How often each refund was asked for: the FLAKYPTS test users fail the first time only.
CREATE TABLE bubble_refund_attempts (
    refund_id       text        PRIMARY KEY,
    attempts        integer     NOT NULL,
    last_attempt_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION bubble_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'bubble_movements is append-only';
END
$$;
CREATE TRIGGER bubble_movements_append_only BEFORE UPDATE OR DELETE ON bubble_movements
    FOR EACH ROW EXECUTE FUNCTION bubble_movements_append_only();
