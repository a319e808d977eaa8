-- CreateTable
CREATE TABLE "BulkRunOperation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "selection" JSONB NOT NULL,
    "reason" TEXT,
    "idempotencyKey" TEXT,
    "total" INTEGER NOT NULL,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "notFound" INTEGER NOT NULL DEFAULT 0,
    "error" JSONB,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "completedAt" DATETIME
);

-- CreateTable
CREATE TABLE "BulkRunOperationItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "operationId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "runId" TEXT NOT NULL,
    "outcome" TEXT,
    "error" JSONB,
    "processedAt" DATETIME,
    CONSTRAINT "BulkRunOperationItem_operationId_fkey" FOREIGN KEY ("operationId") REFERENCES "BulkRunOperation" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "BulkRunOperation_status_leaseExpiresAt_idx" ON "BulkRunOperation"("status", "leaseExpiresAt");

-- CreateIndex
CREATE INDEX "BulkRunOperation_workspaceId_createdAt_id_idx" ON "BulkRunOperation"("workspaceId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "BulkRunOperation_tenantId_idempotencyKey_key" ON "BulkRunOperation"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "BulkRunOperationItem_operationId_outcome_seq_idx" ON "BulkRunOperationItem"("operationId", "outcome", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "BulkRunOperationItem_operationId_seq_key" ON "BulkRunOperationItem"("operationId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "BulkRunOperationItem_operationId_runId_key" ON "BulkRunOperationItem"("operationId", "runId");
