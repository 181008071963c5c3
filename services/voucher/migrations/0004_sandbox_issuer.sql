-- The sandbox lottery issuer's own ledger: every void request it received and
-- what it answered. It stands for the outside system, so it lives in a schema
-- of its own and is written outside the voucher service's transactions.

CREATE SCHEMA sandbox_issuer;

CREATE TABLE sandbox_issuer.void_attempts (
    id          bigserial   PRIMARY KEY,
    code        text        NOT NULL,
    request_id  text        NOT NULL,
    succeeded   boolean     NOT NULL,
    detail      text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX void_attempts_code ON sandbox_issuer.void_attempts (code, id);
