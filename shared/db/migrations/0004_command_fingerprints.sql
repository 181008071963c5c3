-- A key's command is now known by its fingerprint (shared/idempotency.py, Command): a
-- digest of the command's name, what it acts on and the client's choices, so the same
-- key with another amount, decision or reason is refused, not replayed. command keeps
-- the name and target in clear. Keys claimed before have no fingerprint and are judged
-- by command, as they were.
ALTER TABLE command_keys ADD COLUMN fingerprint text;
