-- An outbox row's wake-up, only when its writer asks for one. The relay of the writer's
-- own process publishes what a unit of work queued as soon as that commits (its
-- dispatch, shared/messaging/outbox.py), so such a row wakes nobody: a notification
-- signals every connection listening in the database, on any channel, each a server
-- process to wake, at every commit. A row queued where no relay of its process runs (a
-- tool, a test's own connection) still wakes the relays, as every row did before.
CREATE OR REPLACE FUNCTION outbox_wake(channel text) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF channel <> '' THEN
        PERFORM pg_notify(channel, '');
    END IF;
    RETURN 1;
END $$;
