-- The messaging tables every service database holds.

-- Outbox: messages owed, written in the same transaction as the state change.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    ce_id       uuid        NOT NULL UNIQUE,
    topic       text        NOT NULL,
    key         text        NOT NULL,
    headers     jsonb       NOT NULL,
    payload     bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Inbox: message ids a consumer has applied, recorded with the effect.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    ce_id        text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, ce_id)
);

-- Parked messages: could not be applied yet; retried with back-off, then DLQ'd.
CREATE TABLE parked_messages (
    id              bigserial PRIMARY KEY,
    consumer        text        NOT NULL,
    ce_id           text        NOT NULL,
    topic           text        NOT NULL,
    partition       integer     NOT NULL,
    "offset"        bigint      NOT NULL,
    key             bytea,
    headers         jsonb       NOT NULL,
    payload         bytea       NOT NULL,
    reason          text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 1,
    next_attempt_at timestamptz NOT NULL,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer, ce_id)
);
CREATE INDEX parked_messages_due ON parked_messages (next_attempt_at);
