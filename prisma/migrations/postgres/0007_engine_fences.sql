-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "retentionDays" INTEGER;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "StepRun" ADD COLUMN     "deliveryKey" TEXT,
ADD COLUMN     "retryBase" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "StepAttempt" ADD COLUMN     "idempotencyKey" TEXT;

-- CreateIndex
CREATE INDEX "Run_scheduleId_idx" ON "Run"("scheduleId");

-- CreateIndex
CREATE INDEX "Run_workflowVersionId_idx" ON "Run"("workflowVersionId");

-- CreateIndex
CREATE INDEX "ScheduleTick_status_idx" ON "ScheduleTick"("status");

-- CreateIndex
CREATE INDEX "ScheduleTick_runId_idx" ON "ScheduleTick"("runId");

-- Written by hand (Prisma cannot express a partial index): the claim reads its candidates in
-- runnableAt order straight from this index, touching only PENDING and RUNNING runs.
CREATE INDEX "Run_runnable_idx" ON "Run"("runnableAt") WHERE "status" IN ('PENDING', 'RUNNING');
