-- Rental orders (租赁订单): one per trip, from rental.trip.started.v1 / rental.trip.ended.v1.
-- status: renting → temporarily_returned (ended outside a rental point) or ended.
CREATE TABLE trips (
    trip_id          text        PRIMARY KEY,
    user_id          text        NOT NULL,
    bike_id          text        NOT NULL,
    started_at       timestamptz NOT NULL,
    start_point_id   text        NOT NULL,
    start_point_name text        NOT NULL,
    start_latitude   numeric(9, 6)  NOT NULL,
    start_longitude  numeric(10, 6) NOT NULL,
    status           text        NOT NULL DEFAULT 'renting'
                     CHECK (status IN ('renting', 'temporarily_returned', 'ended')),
    ended_at         timestamptz,
    end_point_id     text,
    end_point_name   text,
    end_latitude     numeric(9, 6),
    end_longitude    numeric(10, 6),
    charge_cents     bigint      CHECK (charge_cents >= 0),
    fixed_at         timestamptz
) WITH (fillfactor = 90);
CREATE INDEX trips_page ON trips (started_at DESC, trip_id DESC);
-- The user's latest order and rental detail; the bike's latest trip.
CREATE INDEX trips_by_user ON trips (user_id, started_at DESC, trip_id DESC);
CREATE INDEX trips_by_bike ON trips (bike_id, started_at DESC, trip_id DESC);
-- Nothing that a trip's end changes (status, end, charge) is indexed, so the end is a HOT
-- update. Open orders are the newest: a status filter walks trips_page; daily returns
-- are counted from trips started up to 31 days before (statistics.py).

-- The last state each bike's lock reported (rental.lock.state.reported.v1); an older
-- report arriving late never overwrites a newer one.
CREATE TABLE bike_locks (
    bike_id     text        PRIMARY KEY,
    state       text        NOT NULL CHECK (state IN ('locked', 'unlocked', 'fault')),
    reported_at timestamptz NOT NULL
);

-- The exception fix (DOMAIN.md 2), append-only: who ended which order when and why,
-- what the lock said, and the charge before and after.
CREATE TABLE exception_fixes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trip_id            text        NOT NULL REFERENCES trips (trip_id),
    user_id            text        NOT NULL,
    bike_id            text        NOT NULL,
    actor              text        NOT NULL,
    reason             text        NOT NULL,
    at                 timestamptz NOT NULL,
    reported_end       timestamptz NOT NULL,
    lock_state         text,
    bike_rented_by_other boolean   NOT NULL,
    old_status         text        NOT NULL,
    old_charge_cents   bigint,
    new_charge_cents   bigint      NOT NULL,
    user_status_before text        NOT NULL,
    user_status_after  text        NOT NULL
);
CREATE INDEX exception_fixes_by_trip ON exception_fixes (trip_id, id);
