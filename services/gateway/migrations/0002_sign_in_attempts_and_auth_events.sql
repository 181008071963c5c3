-- Sign-in attempts not (yet) known to be right, per account and per client address,
-- for throttling. A subject is a keyed digest, never the typed username: a password
-- typed into the username field must not be kept. Rows older than the window are purged.
CREATE TABLE sign_in_attempts (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind    text        NOT NULL CHECK (kind IN ('account', 'address')),
    subject text        NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_by_subject ON sign_in_attempts (kind, subject, at);

-- What happened to sign-ins and accounts, and who did it: append-only.
-- ``username`` is the account concerned, only when it exists (an unknown name typed at
-- sign-in is not kept); ``actor`` who acted when it was not the account itself.
CREATE TABLE auth_events (
    id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    event    text        NOT NULL,
    username text,
    actor    text,
    address  text,
    detail   jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX auth_events_by_username ON auth_events (username, at);

CREATE FUNCTION auth_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'auth_events is append-only';
END $$;
CREATE TRIGGER auth_events_append_only BEFORE UPDATE OR DELETE ON auth_events
    FOR EACH ROW EXECUTE FUNCTION auth_events_append_only();
