-- Written by hand: RunEvent inserts notify once per statement and run, not once per row.
--
-- The engine appends a transaction's events to one run with a single createMany (one INSERT,
-- src/engine/events.ts appendEvents), so a statement-level trigger reading the inserted rows
-- from a transition table sends one pg_notify per run per transaction, however many events the
-- transaction wrote: a cancel closing fifty steps makes one pg_notify call, not fifty whose
-- duplicates PostgreSQL then has to find and drop. The payload is still the run id, which is
-- all a listener needs: it reads the run's new events by sequence.
--
-- A trigger rather than a pg_notify call in appendEvents keeps the guarantee for every writer,
-- including ones that bypass the application (migrations, manual repairs). It does not remove
-- the cost that every committing transaction which notified takes PostgreSQL's cluster-wide
-- notify lock once; that is per transaction, so fewer NOTIFYs per transaction do not change it.
DROP TRIGGER IF EXISTS "RunEvent_notify" ON "RunEvent";
DROP FUNCTION IF EXISTS flowdeck_notify_run_event();

CREATE FUNCTION flowdeck_notify_run_events() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('flowdeck_run_events', runs."runId") FROM (SELECT DISTINCT "runId" FROM new_rows) AS runs;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "RunEvent_notify" AFTER INSERT ON "RunEvent"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_notify_run_events();
