-- DropIndex
DROP INDEX "Run_tenantId_workflowId_createdAt_id_idx";

-- DropIndex
DROP INDEX "Run_tenantId_status_createdAt_id_idx";

-- DropIndex
DROP INDEX "Run_workspaceId_createdAt_id_idx";

-- DropIndex
DROP INDEX "Schedule_workflowId_idx";

-- CreateIndex
CREATE INDEX "Workflow_workspaceId_currentVersion_id_idx" ON "Workflow"("workspaceId", "currentVersion", "id");

-- CreateIndex
CREATE INDEX "Run_tenantId_workflowId_createdAt_id_idx" ON "Run"("tenantId", "workflowId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Run_tenantId_status_createdAt_id_idx" ON "Run"("tenantId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Run_workspaceId_createdAt_id_idx" ON "Run"("workspaceId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Run_workspaceId_updatedAt_id_idx" ON "Run"("workspaceId", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_workspaceId_createdAt_id_idx" ON "Schedule"("workspaceId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Schedule_workflowId_createdAt_id_idx" ON "Schedule"("workflowId", "createdAt", "id");
