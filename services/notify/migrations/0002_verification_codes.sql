-- Verification codes: never stored in clear here, only an HMAC with a salt per code.
-- (The SMS log keeps the text that was sent: the seed asks that an agent can read the
-- latest code to a user who did not receive it, and each such look-up is recorded.)
CREATE TABLE verification_codes (
    id              uuid        PRIMARY KEY,
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
    idempotency_key text        UNIQUE,
    sms_dedupe_key  text        NOT NULL UNIQUE
);
CREATE INDEX verification_codes_latest ON verification_codes (phone, purpose, issued_at DESC);
