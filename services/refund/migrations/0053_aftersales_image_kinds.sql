-- The customer's images and the reviewer's are kept apart, at most 3 each (seed 002: the
-- review result takes up to 3 images of its own). Of the images kept before this, those
-- the reviewer added once they had reviewed the ticket are the review's; the rest the
-- customer's.
ALTER TABLE aftersales_ticket_images ADD COLUMN kind text NOT NULL DEFAULT 'customer'
    CHECK (kind IN ('customer', 'review'));
ALTER TABLE aftersales_ticket_images ALTER COLUMN kind DROP DEFAULT;
UPDATE aftersales_ticket_images i SET kind = 'review'
    FROM aftersales_tickets t
    WHERE t.id = i.ticket_id AND i.uploaded_by = t.reviewed_by AND i.uploaded_at >= t.reviewed_at;
DROP INDEX aftersales_ticket_images_by_ticket;
CREATE INDEX aftersales_ticket_images_by_ticket ON aftersales_ticket_images (ticket_id, kind, id);
