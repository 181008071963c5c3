-- Idempotency-Keys move to the shared command_keys table (shared/idempotency.py),
-- which every service keeps the same way.
INSERT INTO command_keys (key, command, subject, created_at)
SELECT key, command, operation_id::text, created_at FROM idempotency_keys
ON CONFLICT (key) DO NOTHING;
DROP TABLE idempotency_keys;
