-- Agents search a caller by what they hear on the phone (seed 001 3.1): the last four
-- digits of the phone, and the beginning of the name (a surname, or a surname and part
-- of the given name). Both indexes end in the page order, like users_by_phone.
CREATE INDEX users_by_phone_last4 ON users (right(phone, 4), registered_at DESC, user_id DESC);
-- text_pattern_ops compares byte-wise, so a prefix is one index range (~>=~ / ~<~)
-- whatever the database's collation; it serves a whole name too.
CREATE INDEX users_by_name_prefix ON users (name text_pattern_ops, registered_at DESC, user_id DESC);
DROP INDEX users_by_name;
