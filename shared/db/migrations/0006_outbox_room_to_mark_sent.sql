-- Every outbox row is written twice: inserted with the state change, then marked sent by
-- the relay (sent_at). The mark cannot be a HOT update (outbox_unsent's predicate names
-- sent_at), but when the row's page has room, the new version stays on that page, and
-- its WAL record then carries only the bytes that changed instead of the whole message
-- (headers and payload) a second time. Inserts now stop at half a page, leaving the
-- other half for the rows' marked versions; the old versions are pruned as the page is
-- next read, and sent rows are deleted after the retention window anyway.
ALTER TABLE outbox SET (fillfactor = 50);
