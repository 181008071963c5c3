-- A form above KEFU_REFUND_SECOND_APPROVAL_ABOVE_CENTS waits, after the finance director,
-- for a second finance director (step second_approval in refund_form_steps).
-- finance_approved_at is now the approval that released the payout (either one).
ALTER TABLE refund_forms DROP CONSTRAINT refund_forms_state_check;
ALTER TABLE refund_forms ADD CONSTRAINT refund_forms_state_check CHECK (state IN (
    'awaiting_lead_check', 'awaiting_tech_verification',
    'awaiting_finance_submission', 'awaiting_cashier_check',
    'awaiting_accountant_review', 'awaiting_director_approval',
    'awaiting_second_approval', 'paying', 'payout_failed', 'completed', 'sent_back'));
