-- AlterTable
ALTER TABLE "Run" ADD COLUMN "durationMs" REAL;

-- CreateTable
CREATE TABLE "RunSearchTerm" (
    "workspaceId" TEXT NOT NULL,
    "term" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "runId" TEXT NOT NULL,

    PRIMARY KEY ("workspaceId", "term", "createdAt", "runId"),
    CONSTRAINT "RunSearchTerm_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "RunSearchTerm_runId_idx" ON "RunSearchTerm"("runId");

-- CreateIndex
CREATE INDEX "Run_workspaceId_startedAt_id_idx" ON "Run"("workspaceId", "startedAt", "id");

-- CreateIndex
CREATE INDEX "Run_workspaceId_completedAt_id_idx" ON "Run"("workspaceId", "completedAt", "id");

-- CreateIndex
CREATE INDEX "Run_workspaceId_durationMs_id_idx" ON "Run"("workspaceId", "durationMs", "id");

-- Backfill (by hand): durations of runs that finished after starting, as the engine now writes them.
UPDATE "Run" SET "durationMs" = ROUND((julianday("completedAt") - julianday("startedAt")) * 86400000.0)
WHERE "status" IN ('COMPLETED', 'FAILED', 'CANCELLED') AND "completedAt" IS NOT NULL AND "startedAt" IS NOT NULL;
