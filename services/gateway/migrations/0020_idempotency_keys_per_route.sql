-- An Idempotency-Key is the signed-in user's and the route's (issue 12): the same key on
-- another route is another key. ``route`` is the route table's method and template
-- ("POST /api/v1/vouchers/{code}/void"). Keys kept before this have no route ('') and
-- are purged within the day, as every key is.
ALTER TABLE idempotency_keys ADD COLUMN route text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ALTER COLUMN route DROP DEFAULT;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (username, route, key);
