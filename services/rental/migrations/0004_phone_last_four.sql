-- Agents search a caller by the last four digits of their phone (what a caller reads out):
-- an index on them ending in the page order, like users_by_phone for the whole number.
-- A part of a name has no index: it walks the page index (users_page) until a page is
-- found, which stays short for a surname; the phone or user id narrows a rarer one.
CREATE INDEX users_by_phone_last4 ON users (right(phone, 4), registered_at DESC, user_id DESC);
