-- Sellers manage their own after-sales staff (seed 002, 2.2; issue 12, point 16).
-- The account that first applied for a seller's self-service after-sales is its main
-- account; it gives its staff the review or processing permission, and reviewers and
-- processors act only on the tickets of the sellers they serve.
ALTER TABLE aftersales_activations ADD COLUMN main_account text;
UPDATE aftersales_activations a SET main_account = coalesce(
    (SELECT e.actor FROM aftersales_activation_events e
      WHERE e.seller_id = a.seller_id AND e.action = 'applied' ORDER BY e.id LIMIT 1),
    a.submitted_by);
ALTER TABLE aftersales_activations ALTER COLUMN main_account SET NOT NULL;
CREATE INDEX aftersales_activations_by_main_account ON aftersales_activations (main_account);

CREATE TABLE aftersales_seller_staff (
    seller_id   text        NOT NULL REFERENCES aftersales_activations (seller_id),
    username    text        NOT NULL,
    -- none: staff without any permission yet (子账户需要主账户分配)
    permissions text[]      NOT NULL CHECK (permissions <@ ARRAY['review', 'process']),
    added_by    text        NOT NULL,
    added_at    timestamptz NOT NULL,
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (seller_id, username)
);
CREATE INDEX aftersales_seller_staff_by_username ON aftersales_seller_staff (username);

-- Every change of a staff member's permissions, by whom: append-only.
CREATE TABLE aftersales_seller_staff_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id   text        NOT NULL,
    username    text        NOT NULL,
    permissions text[]      NOT NULL,
    actor       text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX aftersales_seller_staff_events_by_seller
    ON aftersales_seller_staff_events (seller_id, id);
CREATE TRIGGER aftersales_seller_staff_events_append_only
    BEFORE UPDATE OR DELETE ON aftersales_seller_staff_events
    FOR EACH ROW EXECUTE FUNCTION aftersales_append_only();
