-- Taking access away: a sign-out (or a password change, reset or disable) ends every
-- token issued before ``sessions_valid_after``; ``must_change_password`` after an
-- admin's reset lets the account do nothing but choose its own password.
ALTER TABLE users
    ADD COLUMN sessions_valid_after timestamptz,
    ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
