-- DropIndex
DROP INDEX "Run_status_leaseExpiresAt_idx";

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "deadlineAt" TIMESTAMP(3),
ADD COLUMN     "parentRunId" TEXT,
ADD COLUMN     "rerunFromStepId" TEXT,
ADD COLUMN     "runnableAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "StepAttempt" (
    "id" TEXT NOT NULL,
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
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "retryAt" TIMESTAMP(3),

    CONSTRAINT "StepAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StepAttempt_runId_idx" ON "StepAttempt"("runId");

-- CreateIndex
CREATE UNIQUE INDEX "StepAttempt_stepRunId_attempt_key" ON "StepAttempt"("stepRunId", "attempt");

-- CreateIndex
CREATE INDEX "Run_status_runnableAt_idx" ON "Run"("status", "runnableAt");

-- CreateIndex
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_parentRunId_fkey" FOREIGN KEY ("parentRunId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepAttempt" ADD CONSTRAINT "StepAttempt_stepRunId_fkey" FOREIGN KEY ("stepRunId") REFERENCES "StepRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
