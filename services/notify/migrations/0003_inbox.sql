-- In-app messages: a per-person inbox (customers by user id, staff by username).
CREATE TABLE inbox_messages (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_kind text        NOT NULL CHECK (recipient_kind IN ('user', 'staff')),
    recipient      text        NOT NULL,
    dedupe_key     text        NOT NULL UNIQUE,
    template_id    text,
    title          text,
    body           text        NOT NULL,
    requested_by   text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    read_at        timestamptz
);
CREATE INDEX inbox_messages_by_recipient ON inbox_messages (recipient_kind, recipient, id DESC);
CREATE INDEX inbox_messages_unread ON inbox_messages (recipient_kind, recipient)
    WHERE read_at IS NULL;
