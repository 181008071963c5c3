-- Client Idempotency-Keys a service keeps for its own commands (shared/idempotency.py),
-- claimed in the command's own transaction: the gateway's key store is one line of
-- defence, this is the one that holds when the gateway is bypassed or its store lost.
CREATE TABLE command_keys (
    key        text        PRIMARY KEY,
    -- what the key was first used for (name and target); another command is refused
    command    text        NOT NULL,
    -- what the command acted on: an operation id, a form id
    subject    text        NOT NULL,
    -- the first answer, when the service keeps it to replay it as it was
    status     integer,
    body       jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
