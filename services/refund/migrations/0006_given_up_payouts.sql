-- A payout a person gave up (issue 12, point 4) is neither pending nor waiting for a
-- person: it leaves "payouts needing attention" and is never tried again.
ALTER TABLE payouts DROP CONSTRAINT payouts_status_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_status_check
    CHECK (status IN ('pending', 'paid', 'failed', 'given_up'));
ALTER TABLE payouts ADD COLUMN given_up_at timestamptz;

-- Payouts given up before this migration stayed 'failed' behind a rejected refund.
UPDATE payouts p SET status = 'given_up', given_up_at = r.updated_at
  FROM requested_refunds r
 WHERE p.subject_kind = 'requested' AND p.subject_id = r.refund_id
   AND p.status = 'failed' AND r.state = 'rejected';
