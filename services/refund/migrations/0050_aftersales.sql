-- Seller after-sales (seed 002): activations, service tickets, their images, reminders.
CREATE FUNCTION aftersales_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;

CREATE TABLE aftersales_activations (
    seller_id        text PRIMARY KEY,
    status           text        NOT NULL
        CHECK (status IN ('pending_review', 'approved', 'rejected')),
    province         text        NOT NULL,
    city             text        NOT NULL,
    district         text        NOT NULL,
    street           text        NOT NULL,
    contact_name     text        NOT NULL,
    contact_phone    text        NOT NULL,
    rejection_reason text,
    submitted_by     text        NOT NULL,
    submitted_at     timestamptz NOT NULL,
    reviewed_by      text,
    reviewed_at      timestamptz,
    attempts         integer     NOT NULL DEFAULT 1
);
CREATE INDEX aftersales_activations_pending ON aftersales_activations (submitted_at)
    WHERE status = 'pending_review';

CREATE TABLE aftersales_activation_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id        text        NOT NULL REFERENCES aftersales_activations (seller_id),
    action           text        NOT NULL CHECK (action IN ('applied', 'approved', 'rejected')),
    actor            text        NOT NULL,
    status           text        NOT NULL,
    reason           text,
    address          jsonb       NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX aftersales_activation_events_by_seller
    ON aftersales_activation_events (seller_id, id);
CREATE TRIGGER aftersales_activation_events_append_only
    BEFORE UPDATE OR DELETE ON aftersales_activation_events
    FOR EACH ROW EXECUTE FUNCTION aftersales_append_only();

CREATE TABLE aftersales_tickets (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id         text        NOT NULL REFERENCES aftersales_activations (seller_id),
    application_no    text        NOT NULL,
    order_no          text        NOT NULL,
    customer_id       text        NOT NULL,
    service_type      text        NOT NULL CHECK (service_type IN ('return', 'exchange', 'repair')),
    description       text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('awaiting_review',
        'awaiting_customer', 'awaiting_receipt', 'awaiting_processing', 'rejected', 'closed',
        'completed')),
    outcome           text CHECK (outcome IN ('approve_shipment', 'reject',
        'resend_without_return', 'await_customer', 'customer_gave_up')),
    review_reason     text,
    reviewed_by       text,
    reviewed_at       timestamptz,
    processing_result text,
    created_by        text        NOT NULL,
    created_at        timestamptz NOT NULL,
    review_due_at     timestamptz,
    receipt_due_at    timestamptz,
    processing_due_at timestamptz,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX aftersales_tickets_by_seller ON aftersales_tickets (seller_id, id DESC);
CREATE INDEX aftersales_tickets_by_application ON aftersales_tickets (application_no);
CREATE INDEX aftersales_tickets_review_due ON aftersales_tickets (review_due_at)
    WHERE status = 'awaiting_review';
CREATE INDEX aftersales_tickets_open ON aftersales_tickets (status, created_at)
    WHERE status IN ('awaiting_review', 'awaiting_receipt', 'awaiting_processing');

-- Who did what to a ticket; actor_kind tells a person from the system's 48 h approval.
CREATE TABLE aftersales_ticket_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint      NOT NULL REFERENCES aftersales_tickets (id),
    action      text        NOT NULL CHECK (action IN ('opened', 'reviewed', 'auto_approved',
        'received', 'processed', 'images_added')),
    actor       text        NOT NULL,
    actor_kind  text        NOT NULL CHECK (actor_kind IN ('staff', 'system')),
    from_status text,
    to_status   text        NOT NULL,
    outcome     text,
    reason      text,
    at          timestamptz NOT NULL
);
CREATE INDEX aftersales_ticket_events_by_ticket ON aftersales_ticket_events (ticket_id, id);
CREATE TRIGGER aftersales_ticket_events_append_only
    BEFORE UPDATE OR DELETE ON aftersales_ticket_events
    FOR EACH ROW EXECUTE FUNCTION aftersales_append_only();

CREATE TABLE aftersales_ticket_images (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id    bigint      NOT NULL REFERENCES aftersales_tickets (id),
    filename     text        NOT NULL,
    content_type text        NOT NULL,
    size_bytes   integer     NOT NULL CHECK (size_bytes > 0 AND size_bytes < 819200),
    data         bytea       NOT NULL,
    uploaded_by  text        NOT NULL,
    uploaded_at  timestamptz NOT NULL
);
CREATE INDEX aftersales_ticket_images_by_ticket ON aftersales_ticket_images (ticket_id, id);

-- One reminder per ticket and overdue stage: the sweep may look as often as it likes.
CREATE TABLE aftersales_reminders (
    ticket_id  bigint      NOT NULL REFERENCES aftersales_tickets (id),
    stage      text        NOT NULL CHECK (stage IN ('review', 'receipt', 'processing')),
    reminded_at timestamptz NOT NULL,
    recipients text[]      NOT NULL,
    PRIMARY KEY (ticket_id, stage)
);
