-- AlterTable
ALTER TABLE "Agent" ADD COLUMN "lastHealth" JSONB;

-- CreateTable
CREATE TABLE "RunTombstone" (
    "runId" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "triggeredBy" TEXT NOT NULL,
    "conversationId" TEXT,
    "userId" TEXT,
    "scheduleId" TEXT,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "completedAt" DATETIME,
    "durationMs" REAL,
    "deletedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "RunTombstone_workspaceId_deletedAt_runId_idx" ON "RunTombstone"("workspaceId", "deletedAt", "runId");

-- CreateIndex
CREATE INDEX "RunTombstone_deletedAt_idx" ON "RunTombstone"("deletedAt");
