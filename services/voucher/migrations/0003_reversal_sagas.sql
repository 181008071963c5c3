-- The order reversal saga: current state per order, and its append-only history.

CREATE TABLE reversal_sagas (
    saga_id           uuid        PRIMARY KEY,
    operation_id      uuid        NOT NULL UNIQUE REFERENCES operations (operation_id),
    -- one saga per order, ever: starting a reversal again resumes it
    merchant_order_no text        NOT NULL UNIQUE REFERENCES orders (merchant_order_no),
    state             text        NOT NULL
                      CHECK (state IN ('voiding', 'refund_requested', 'succeeded', 'failed')),
    failure           text        CHECK (failure IN ('void_failed', 'points_refund_failed', 'voucher_used')),
    attempt           integer     NOT NULL,
    refund_attempt    integer     NOT NULL,
    -- the durable timer: a voiding saga's lease, or when to ask for the refund again
    due_at            timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'failed') = (failure IS NOT NULL))
);
CREATE INDEX reversal_sagas_due ON reversal_sagas (due_at)
    WHERE state IN ('voiding', 'refund_requested');

CREATE TABLE reversal_saga_history (
    id             bigserial   PRIMARY KEY,
    saga_id        uuid        NOT NULL REFERENCES reversal_sagas (saga_id),
    event          text        NOT NULL,
    from_state     text,
    to_state       text        NOT NULL,
    failure        text,
    attempt        integer     NOT NULL,
    refund_attempt integer     NOT NULL,
    detail         text,
    trace_id       text,
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reversal_saga_history_saga ON reversal_saga_history (saga_id, id);
