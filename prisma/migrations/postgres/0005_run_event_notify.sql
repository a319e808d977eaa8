-- Written by hand: every RunEvent insert sends NOTIFY flowdeck_run_events with the run id.
-- PostgreSQL delivers notifications when the inserting transaction commits, to every
-- listening process, which is how live streams reach subscribers on all server processes.
CREATE OR REPLACE FUNCTION flowdeck_notify_run_event() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('flowdeck_run_events', NEW."runId");
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "RunEvent_notify" AFTER INSERT ON "RunEvent"
  FOR EACH ROW EXECUTE FUNCTION flowdeck_notify_run_event();
