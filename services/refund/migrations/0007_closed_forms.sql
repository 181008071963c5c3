-- A form finance refuses for good (不予处理: the money never arrived) is closed with a
-- reason (issue 12, point 9): a final state; the customer and the filing agent are told.
ALTER TABLE refund_forms DROP CONSTRAINT refund_forms_state_check;
ALTER TABLE refund_forms ADD CONSTRAINT refund_forms_state_check CHECK (state IN (
    'awaiting_lead_check', 'awaiting_tech_verification',
    'awaiting_finance_submission', 'awaiting_cashier_check',
    'awaiting_accountant_review', 'awaiting_director_approval',
    'awaiting_second_approval', 'paying', 'payout_failed', 'completed', 'sent_back',
    'closed'));
ALTER TABLE refund_forms
    ADD COLUMN closed_at     timestamptz,
    ADD COLUMN closed_by     text,
    ADD COLUMN closed_reason text;
