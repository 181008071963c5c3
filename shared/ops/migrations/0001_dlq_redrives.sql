-- The ops tools' own database (kefu_ops): what was redriven from a DLQ, once each.
-- A DLQ topic is shared by every service consuming the original topic, so this
-- record belongs to no single service's database.
CREATE TABLE dlq_redrives (
    dlq_topic    text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    target_topic text        NOT NULL,
    ce_id        text,
    redriven_by  text        NOT NULL,
    redriven_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dlq_topic, partition, "offset")
);
