-- Every refund request this gateway has settled: one row per refund_id, ever.
-- A request for a refund that succeeded is answered from here without asking the
-- provider again; one that failed is tried again (a retry from the voucher service).
CREATE TABLE point_refunds (
    refund_id         text        PRIMARY KEY,
    merchant_order_no text        NOT NULL,
    user_id           text        NOT NULL,
    points            bigint      NOT NULL CHECK (points > 0),
    status            text        NOT NULL CHECK (status IN ('succeeded', 'failed')),
    failure           text,
    provider_calls    integer     NOT NULL CHECK (provider_calls >= 1),
    last_attempt      integer     NOT NULL,
    reason            text        NOT NULL,
    requested_by      text        NOT NULL,
    requested_at      timestamptz NOT NULL,
    completed_at      timestamptz NOT NULL,
    CHECK ((status = 'failed') = (failure IS NOT NULL))
);
CREATE INDEX point_refunds_order ON point_refunds (merchant_order_no);
