-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN "retentionDays" INTEGER;

-- AlterTable
ALTER TABLE "StepAttempt" ADD COLUMN "idempotencyKey" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Run" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "workflowVersionId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "inputs" JSONB NOT NULL,
    "outputs" JSONB,
    "error" JSONB,
    "triggeredBy" TEXT NOT NULL DEFAULT 'API',
    "triggeredByUser" TEXT,
    "scheduleId" TEXT,
    "retryOfRunId" TEXT,
    "parentRunId" TEXT,
    "rerunFromStepId" TEXT,
    "idempotencyKey" TEXT,
    "conversationId" TEXT,
    "userId" TEXT,
    "lastEventSeq" INTEGER NOT NULL DEFAULT 0,
    "runnableAt" DATETIME,
    "deadlineAt" DATETIME,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "completedAt" DATETIME,
    "cancelledAt" DATETIME,
    "cancelledBy" TEXT,
    "cancelReason" TEXT,
    CONSTRAINT "Run_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Run_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Run_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "Workflow" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Run_workflowVersionId_fkey" FOREIGN KEY ("workflowVersionId") REFERENCES "WorkflowVersion" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Run_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Run_parentRunId_fkey" FOREIGN KEY ("parentRunId") REFERENCES "Run" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Run" ("cancelReason", "cancelledAt", "cancelledBy", "completedAt", "conversationId", "createdAt", "deadlineAt", "error", "id", "idempotencyKey", "inputs", "lastEventSeq", "leaseExpiresAt", "leaseOwner", "outputs", "parentRunId", "rerunFromStepId", "retryOfRunId", "runnableAt", "scheduleId", "startedAt", "status", "tenantId", "triggeredBy", "triggeredByUser", "updatedAt", "userId", "workflowId", "workflowVersionId", "workspaceId") SELECT "cancelReason", "cancelledAt", "cancelledBy", "completedAt", "conversationId", "createdAt", "deadlineAt", "error", "id", "idempotencyKey", "inputs", "lastEventSeq", "leaseExpiresAt", "leaseOwner", "outputs", "parentRunId", "rerunFromStepId", "retryOfRunId", "runnableAt", "scheduleId", "startedAt", "status", "tenantId", "triggeredBy", "triggeredByUser", "updatedAt", "userId", "workflowId", "workflowVersionId", "workspaceId" FROM "Run";
DROP TABLE "Run";
ALTER TABLE "new_Run" RENAME TO "Run";
CREATE INDEX "Run_tenantId_workflowId_createdAt_id_idx" ON "Run"("tenantId", "workflowId", "createdAt" DESC, "id");
CREATE INDEX "Run_tenantId_status_createdAt_id_idx" ON "Run"("tenantId", "status", "createdAt" DESC, "id");
CREATE INDEX "Run_workspaceId_createdAt_id_idx" ON "Run"("workspaceId", "createdAt" DESC, "id");
CREATE INDEX "Run_status_runnableAt_idx" ON "Run"("status", "runnableAt");
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");
CREATE INDEX "Run_scheduleId_idx" ON "Run"("scheduleId");
CREATE INDEX "Run_workflowVersionId_idx" ON "Run"("workflowVersionId");
CREATE UNIQUE INDEX "Run_tenantId_idempotencyKey_key" ON "Run"("tenantId", "idempotencyKey");
CREATE TABLE "new_StepRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "stepType" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "input" JSONB,
    "output" JSONB,
    "error" JSONB,
    "agentId" TEXT,
    "nextAttemptAt" DATETIME,
    "deliveryKey" TEXT,
    "retryBase" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "completedAt" DATETIME,
    CONSTRAINT "StepRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "StepRun_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_StepRun" ("agentId", "attempt", "completedAt", "createdAt", "error", "id", "input", "leaseExpiresAt", "leaseOwner", "nextAttemptAt", "output", "runId", "startedAt", "status", "stepId", "stepType", "tenantId", "updatedAt", "workspaceId") SELECT "agentId", "attempt", "completedAt", "createdAt", "error", "id", "input", "leaseExpiresAt", "leaseOwner", "nextAttemptAt", "output", "runId", "startedAt", "status", "stepId", "stepType", "tenantId", "updatedAt", "workspaceId" FROM "StepRun";
DROP TABLE "StepRun";
ALTER TABLE "new_StepRun" RENAME TO "StepRun";
CREATE INDEX "StepRun_status_nextAttemptAt_idx" ON "StepRun"("status", "nextAttemptAt");
CREATE UNIQUE INDEX "StepRun_runId_stepId_key" ON "StepRun"("runId", "stepId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ScheduleTick_status_idx" ON "ScheduleTick"("status");

-- CreateIndex
CREATE INDEX "ScheduleTick_runId_idx" ON "ScheduleTick"("runId");

-- Written by hand (Prisma cannot express a partial index): the claim reads its candidates in
-- runnableAt order straight from this index, touching only PENDING and RUNNING runs.
CREATE INDEX "Run_runnable_idx" ON "Run"("runnableAt") WHERE "status" IN ('PENDING', 'RUNNING');
