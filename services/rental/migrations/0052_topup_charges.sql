-- A counter top-up's charge at the payment device, recorded before the device is called
-- and finished after it (never inside one transaction with the call):
--   pending  checked under the account's lock, counting toward the day's limits; the
--            device is being asked, with charge_id as its idempotency key
--   charged  the device took the money: the ledger was credited and the receipt kept
--   failed   the device refused (failure holds the seed's cause); nothing was taken
-- A pending charge whose lease ran out (its process died mid-call) is taken over by the
-- recovery sweep, which asks the device again with the same charge_id: the money moves
-- once. attempt grows with each take-over, so a late answer to an older attempt is
-- ignored.
CREATE TABLE topup_charges (
    charge_id       text        PRIMARY KEY,
    user_id         text        NOT NULL REFERENCES accounts (user_id),
    idempotency_key text        UNIQUE,
    amount_cents    bigint      NOT NULL CHECK (amount_cents > 0),
    payment_method  text        NOT NULL,
    payer_account   text        NOT NULL,
    verification_id uuid        NOT NULL REFERENCES identity_verifications (id),
    agent           text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'charged', 'failed')),
    attempt         integer     NOT NULL DEFAULT 1,
    requested_at    timestamptz NOT NULL,
    lease_until     timestamptz,
    failure         text,
    detail          text,
    serial_no       text        UNIQUE REFERENCES topups (serial_no),
    finished_at     timestamptz
);
-- The day's limits count pending and charged top-ups.
CREATE INDEX topup_charges_by_user_day ON topup_charges (user_id, requested_at)
    WHERE status <> 'failed';
CREATE INDEX topup_charges_due ON topup_charges (lease_until) WHERE status = 'pending';

-- Top-ups charged before this table existed count toward their day's limits too.
INSERT INTO topup_charges (charge_id, user_id, idempotency_key, amount_cents, payment_method,
    payer_account, verification_id, agent, status, requested_at, serial_no, finished_at)
SELECT charge_id, user_id, idempotency_key, amount_cents, payment_method, payer_account,
    verification_id, agent, 'charged', at, serial_no, at
FROM topups;
