-- The SMS log: one row per dedupe key, ever (one SMS per key however often it is asked).
-- Status: queued (waiting for a round over the providers), sending (a provider call
-- under way, or cut off by a crash), sent, failed, rejected (never sent: rate limit,
-- template error; ``failure`` says which).
CREATE TABLE sms_messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key          text        NOT NULL UNIQUE,
    phone               text        NOT NULL,
    template_id         text,
    params              jsonb       NOT NULL DEFAULT '{}',
    text                text,
    display_text        text,
    status              text        NOT NULL
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'rejected')),
    failure             text,
    failure_detail      text,
    provider            text,
    provider_message_id text,
    provider_answer     text,
    provider_in_flight  text,
    attempts            integer     NOT NULL DEFAULT 0,
    requested_by        text        NOT NULL,
    requested_at        timestamptz NOT NULL DEFAULT now(),
    admitted_at         timestamptz,
    sent_at             timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((status IN ('failed', 'rejected')) = (failure IS NOT NULL))
);
CREATE INDEX sms_messages_by_phone ON sms_messages (phone, id DESC);
CREATE INDEX sms_messages_by_status ON sms_messages (status, id DESC);
-- What the rate limit counts: SMS admitted to the providers, per phone, by time.
CREATE INDEX sms_messages_admitted ON sms_messages (phone, admitted_at)
    WHERE admitted_at IS NOT NULL;
CREATE INDEX sms_messages_codes ON sms_messages (phone, id DESC)
    WHERE template_id = 'verification_code';

-- Every call to a provider and its answer, append-only: the failover story of each SMS.
CREATE TABLE sms_provider_calls (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sms_id    bigint      NOT NULL REFERENCES sms_messages (id),
    attempt   integer     NOT NULL,
    provider  text        NOT NULL,
    accepted  boolean     NOT NULL,
    permanent boolean     NOT NULL DEFAULT false,
    answer    text        NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_provider_calls_by_sms ON sms_provider_calls (sms_id, id);

-- Who looked up the latest verification code sent to a phone, and when (the seed's
-- case of a user who did not receive it). Append-only.
CREATE TABLE code_lookups (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor    text        NOT NULL,
    phone    text        NOT NULL,
    sms_id   bigint      REFERENCES sms_messages (id),
    found    boolean     NOT NULL,
    trace_id text,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_lookups_by_phone ON code_lookups (phone, id DESC);

CREATE FUNCTION notify_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER sms_provider_calls_append_only BEFORE UPDATE OR DELETE ON sms_provider_calls
    FOR EACH ROW EXECUTE FUNCTION notify_append_only();
CREATE TRIGGER code_lookups_append_only BEFORE UPDATE OR DELETE ON code_lookups
    FOR EACH ROW EXECUTE FUNCTION notify_append_only();
