-- The Kafka cluster the outbox relay last published to. When the broker answers with
-- another cluster id (the embedded broker restarted empty), the relay re-publishes
-- the rows it sent within KEFU_OUTBOX_REPUBLISH_SECONDS: consumers drop what they had.
CREATE TABLE kafka_cluster (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    cluster_id text        NOT NULL,
    seen_at    timestamptz NOT NULL DEFAULT now()
);
