-- The sandbox counter-payment device's own ledger (POS / cash drawer at the counter).
-- The real payment side is an outside system with its own books; in production this
-- schema stays empty. Every attempt is kept; charge_id makes a charge happen once.
CREATE SCHEMA sandbox_counter;
CREATE TABLE sandbox_counter.attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    charge_id     text        NOT NULL,
    payer_account text        NOT NULL,
    method        text        NOT NULL,
    amount_cents  bigint      NOT NULL,
    succeeded     boolean     NOT NULL,
    failure       text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_counter_attempts_by_charge ON sandbox_counter.attempts (charge_id);
CREATE UNIQUE INDEX sandbox_counter_one_success ON sandbox_counter.attempts (charge_id)
    WHERE succeeded;
