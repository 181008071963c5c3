-- The sandbox SMS providers' own books: what each "sent", once per message id.
-- The real providers are outside systems; in production these tables stay empty.
CREATE TABLE sandbox_sms_ledger (
    provider            text        NOT NULL,
    message_id          text        NOT NULL,
    phone               text        NOT NULL,
    text                text        NOT NULL,
    provider_message_id text        NOT NULL UNIQUE,
    accepted_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, message_id)
);
CREATE INDEX sandbox_sms_ledger_by_phone ON sandbox_sms_ledger (phone, accepted_at DESC);

-- How often each provider was asked for each message: the flaky test numbers fail
-- on the first call only.
CREATE TABLE sandbox_sms_calls (
    provider     text        NOT NULL,
    message_id   text        NOT NULL,
    calls        integer     NOT NULL,
    last_call_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, message_id)
);
