-- A verification code's Idempotency-Key moves to the shared command_keys table
-- (shared/idempotency.py), kept with the command's fingerprint like every command that
-- moves money or sends a message. The keys of codes issued before keep their label
-- (no fingerprint): a repeat with the same purpose answers the same code, as it did.
INSERT INTO command_keys (key, command, subject, created_at)
SELECT idempotency_key, 'verification_code:' || purpose, id::text, issued_at
FROM verification_codes WHERE idempotency_key IS NOT NULL
ON CONFLICT (key) DO NOTHING;
ALTER TABLE verification_codes DROP COLUMN idempotency_key;
