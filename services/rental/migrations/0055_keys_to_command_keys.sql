-- The Idempotency-Keys of the money-moving account commands move to the shared
-- command_keys table (shared/idempotency.py), kept with each command's fingerprint.
-- Keys used before keep their label (no fingerprint): a repeat for the same customer
-- is the same command, as it was; another customer's is refused.

-- Refund requests: the key was a column, looked up with no check of the command.
INSERT INTO command_keys (key, command, subject, created_at)
SELECT idempotency_key, 'refund_request:' || user_id, request_id, requested_at
FROM refund_requests WHERE idempotency_key IS NOT NULL
ON CONFLICT (key) DO NOTHING;
ALTER TABLE refund_requests DROP COLUMN idempotency_key;

-- Top-ups: the charge keeps its key too (its charge id is built from it and is the
-- payment device's idempotency key); command_keys binds the key to the command.
INSERT INTO command_keys (key, command, subject, created_at)
SELECT idempotency_key, 'top_up:' || user_id, charge_id, requested_at
FROM topup_charges WHERE idempotency_key IS NOT NULL
ON CONFLICT (key) DO NOTHING;

-- Deposit changes: the key was found in the ledger reference deposit-change:<user>:<key>.
-- Their answers were not kept: a repeat answers the books as they are.
INSERT INTO command_keys (key, command, subject, created_at)
SELECT substr(reference, length('deposit-change:' || user_id || ':') + 1),
       'deposit_change:' || user_id, user_id, at
FROM account_ledger
WHERE kind = 'deposit_adjusted'
  AND reference LIKE 'deposit-change:%'
  AND substr(reference, length('deposit-change:' || user_id || ':') + 1) LIKE 'k1-%'
ON CONFLICT (key) DO NOTHING;
