-- DropIndex
DROP INDEX "StepRun_status_nextAttemptAt_idx";
