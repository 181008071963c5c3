-- A reversal's operation is written twice: inserted pending with its saga, then ended
-- (status, failure, updated_at) with the saga's last step. That end can be a HOT update
-- (the new version on the same page, no index touched) only if no index covers a column
-- it changes, and a partial index's predicate counts: operations_pending_voids named
-- status in its own. The timers' index now names due_at alone, which only a pending void
-- carries (set when a void starts or is taken over, cleared when any operation ends; a
-- reversal's operation never has one), so it holds the same rows; every query of it
-- (the sweep's claim, its next-due read, the wake trigger) says due_at <= something or
-- asks min(due_at), which implies due_at IS NOT NULL, and filters type and status itself.
-- A fillfactor below 100 leaves each page room for the ended versions of its rows: a page
-- filled to the brim by inserts gives the end no room, and it moves the row elsewhere.
CREATE INDEX operations_due ON operations (due_at) WHERE due_at IS NOT NULL;
DROP INDEX operations_pending_voids;
ALTER TABLE operations SET (fillfactor = 70);
