-- CreateTable
CREATE TABLE "StepAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "stepRunId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RUNNING',
    "input" JSONB,
    "output" JSONB,
    "error" JSONB,
    "statusCode" INTEGER,
    "workerId" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    "retryAt" DATETIME,
    CONSTRAINT "StepAttempt_stepRunId_fkey" FOREIGN KEY ("stepRunId") REFERENCES "StepRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

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
INSERT INTO "new_Run" ("cancelReason", "cancelledAt", "cancelledBy", "completedAt", "conversationId", "createdAt", "error", "id", "idempotencyKey", "inputs", "lastEventSeq", "leaseExpiresAt", "leaseOwner", "outputs", "retryOfRunId", "scheduleId", "startedAt", "status", "tenantId", "triggeredBy", "triggeredByUser", "updatedAt", "userId", "workflowId", "workflowVersionId", "workspaceId") SELECT "cancelReason", "cancelledAt", "cancelledBy", "completedAt", "conversationId", "createdAt", "error", "id", "idempotencyKey", "inputs", "lastEventSeq", "leaseExpiresAt", "leaseOwner", "outputs", "retryOfRunId", "scheduleId", "startedAt", "status", "tenantId", "triggeredBy", "triggeredByUser", "updatedAt", "userId", "workflowId", "workflowVersionId", "workspaceId" FROM "Run";
DROP TABLE "Run";
ALTER TABLE "new_Run" RENAME TO "Run";
CREATE INDEX "Run_tenantId_workflowId_createdAt_id_idx" ON "Run"("tenantId", "workflowId", "createdAt" DESC, "id");
CREATE INDEX "Run_tenantId_status_createdAt_id_idx" ON "Run"("tenantId", "status", "createdAt" DESC, "id");
CREATE INDEX "Run_workspaceId_createdAt_id_idx" ON "Run"("workspaceId", "createdAt" DESC, "id");
CREATE INDEX "Run_status_runnableAt_idx" ON "Run"("status", "runnableAt");
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");
CREATE UNIQUE INDEX "Run_tenantId_idempotencyKey_key" ON "Run"("tenantId", "idempotencyKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "StepAttempt_runId_idx" ON "StepAttempt"("runId");

-- CreateIndex
CREATE UNIQUE INDEX "StepAttempt_stepRunId_attempt_key" ON "StepAttempt"("stepRunId", "attempt");
