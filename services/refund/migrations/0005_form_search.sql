-- Searching refund forms and requested refunds (issue 12, point 10) and the complaint a
-- form came from (seed 003: 投诉编号关联, point 15).
ALTER TABLE refund_forms
    ADD COLUMN customer_name text NOT NULL DEFAULT '',   -- as the customer gave it ('' unknown)
    ADD COLUMN complaint_no  text;                       -- the complaint's number, if it has one

-- Phone search matches the end of the number (the last four digits, or all of it):
-- reverse(phone) LIKE reverse($1) || '%' uses this index.
CREATE INDEX refund_forms_phone_tail ON refund_forms (reverse(phone) text_pattern_ops);
CREATE INDEX refund_forms_complaint ON refund_forms (complaint_no) WHERE complaint_no IS NOT NULL;
CREATE INDEX refund_forms_newest ON refund_forms (filed_at DESC, form_id DESC);

CREATE INDEX requested_refunds_newest ON requested_refunds (received_at DESC, refund_id DESC);
CREATE INDEX requested_refunds_user ON requested_refunds (user_id, received_at DESC);
CREATE INDEX requested_refunds_phone_tail
    ON requested_refunds (reverse(phone) text_pattern_ops) WHERE phone IS NOT NULL;
