-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "durationMs" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "RunSearchTerm" (
    "workspaceId" TEXT NOT NULL,
    "term" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "runId" TEXT NOT NULL,

    CONSTRAINT "RunSearchTerm_pkey" PRIMARY KEY ("workspaceId","term","createdAt","runId")
);

-- CreateIndex
CREATE INDEX "RunSearchTerm_runId_idx" ON "RunSearchTerm"("runId");

-- CreateIndex
CREATE INDEX "Run_workspaceId_startedAt_id_idx" ON "Run"("workspaceId", "startedAt", "id");

-- CreateIndex
CREATE INDEX "Run_workspaceId_completedAt_id_idx" ON "Run"("workspaceId", "completedAt", "id");

-- CreateIndex
CREATE INDEX "Run_workspaceId_durationMs_id_idx" ON "Run"("workspaceId", "durationMs", "id");

-- AddForeignKey
ALTER TABLE "RunSearchTerm" ADD CONSTRAINT "RunSearchTerm_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill (by hand): durations of runs that finished after starting, as the engine now writes them.
UPDATE "Run" SET "durationMs" = ROUND(EXTRACT(EPOCH FROM ("completedAt" - "startedAt")) * 1000)
WHERE "status" IN ('COMPLETED', 'FAILED', 'CANCELLED') AND "completedAt" IS NOT NULL AND "startedAt" IS NOT NULL;
