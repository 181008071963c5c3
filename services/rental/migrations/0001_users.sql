-- Rental users (the rental service owns this table; the accounts modules read it).
--
-- One row per user the bike platform registered (rental.user.registered.v1).
-- Readers outside the users module (accounts, deposits, top-ups) use:
--   user_id    the platform's user id, the key of every per-user row;
--   card_type  standard | student | senior: the stored-value card's type (its limits);
--   deleted_at NULL unless soft-deleted: a deleted user is treated as absent;
--   blacklisted_at NULL unless on the blacklist.
-- status is the user's rental state (renting / temporarily_returned / idle), which
-- follows the user's latest order; an agent may fix it (user_status_fixes).
CREATE TABLE users (
    user_id          text        PRIMARY KEY,
    phone            text        NOT NULL,
    name             text        NOT NULL,
    card_type        text        NOT NULL DEFAULT 'standard'
                     CHECK (card_type IN ('standard', 'student', 'senior')),
    registered_at    timestamptz NOT NULL,
    status           text        NOT NULL DEFAULT 'idle'
                     CHECK (status IN ('renting', 'temporarily_returned', 'idle')),
    blacklisted_at   timestamptz,
    blacklist_reason text,
    blacklisted_by   text,
    deleted_at       timestamptz,
    deleted_by       text,
    delete_reason    text,
    updated_at       timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 90);
-- Search: each key filter has an index ending in the page order (registered_at desc,
-- user_id desc), so a page is an index range scan however many users there are.
-- status has no index on purpose: it changes with every trip, and with no index on it
-- (and room left on each page) that update is HOT, which keeps trip ingest fast; a status
-- filter walks the page index (renting users are a few percent: a page is a short walk).
CREATE INDEX users_page ON users (registered_at DESC, user_id DESC);
CREATE INDEX users_by_phone ON users (phone, registered_at DESC, user_id DESC);
CREATE INDEX users_by_name ON users (name, registered_at DESC, user_id DESC);
-- The few blacklisted or deleted users, in page order (a filter on them would otherwise walk
-- the whole page index), and the blacklist in the order it is shown.
CREATE INDEX users_blacklisted_page ON users (registered_at DESC, user_id DESC)
    WHERE blacklisted_at IS NOT NULL;
CREATE INDEX users_deleted_page ON users (registered_at DESC, user_id DESC)
    WHERE deleted_at IS NOT NULL;
CREATE INDEX users_blacklist ON users (blacklisted_at DESC, user_id DESC)
    WHERE blacklisted_at IS NOT NULL;

-- Every blacklist, restore, delete, undelete and status fix, append-only: who, when, why.
CREATE TABLE user_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     text        NOT NULL REFERENCES users (user_id),
    action      text        NOT NULL
                CHECK (action IN ('blacklist', 'restore_from_blacklist', 'delete', 'restore',
                                  'status_fix')),
    reason      text        NOT NULL,
    actor       text        NOT NULL,
    at          timestamptz NOT NULL,
    old_status  text,
    new_status  text,
    trip_id     text
);
CREATE INDEX user_actions_by_user ON user_actions (user_id, id DESC);
