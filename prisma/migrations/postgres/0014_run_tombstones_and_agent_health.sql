-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "lastHealth" JSONB;

-- CreateTable
CREATE TABLE "RunTombstone" (
    "runId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "triggeredBy" TEXT NOT NULL,
    "conversationId" TEXT,
    "userId" TEXT,
    "scheduleId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "durationMs" DOUBLE PRECISION,
    "deletedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunTombstone_pkey" PRIMARY KEY ("runId")
);

-- CreateIndex
CREATE INDEX "RunTombstone_workspaceId_deletedAt_runId_idx" ON "RunTombstone"("workspaceId", "deletedAt", "runId");

-- CreateIndex
CREATE INDEX "RunTombstone_deletedAt_idx" ON "RunTombstone"("deletedAt");

-- Written by hand: a tombstone insert notifies the run-event channel with the run id, once per
-- statement and run, like RunEvent inserts (0008). The live run feed of every process reads the
-- run, finds it gone and its tombstone there, and reports it DELETED at once instead of at its
-- next catch-up. Run event streams take it like any nudge: they read no new events.
CREATE FUNCTION flowdeck_notify_run_tombstones() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('flowdeck_run_events', runs."runId") FROM (SELECT DISTINCT "runId" FROM new_rows) AS runs;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "RunTombstone_notify" AFTER INSERT ON "RunTombstone"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_notify_run_tombstones();
