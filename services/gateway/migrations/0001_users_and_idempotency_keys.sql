-- The people who sign in to the gateway, and the idempotency keys of their requests.

CREATE TABLE users (
    username      text        PRIMARY KEY,
    password_hash text        NOT NULL,
    roles         text[]      NOT NULL,
    active        boolean     NOT NULL DEFAULT true,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per (user, key). While the first request runs, ``claim`` names it and
-- ``lease_until`` bounds how long it may hold the key (a crashed gateway must not
-- lock a key forever); once it answers, ``status`` and ``body`` are its answer.
CREATE TABLE idempotency_keys (
    username     text        NOT NULL,
    key          text        NOT NULL,
    method       text        NOT NULL,
    path         text        NOT NULL,
    fingerprint  text        NOT NULL,
    claim        uuid,
    lease_until  timestamptz,
    status       integer,
    body         jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (username, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
