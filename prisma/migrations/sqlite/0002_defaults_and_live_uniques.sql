-- Written by hand (not by `prisma migrate diff`): the default tenant and workspace, and
-- uniqueness that only holds among live (not soft-deleted) rows, which Prisma's schema
-- language cannot express.
INSERT INTO "Tenant" ("id", "slug", "name", "createdAt", "updatedAt")
VALUES ('00000000-0000-4000-8000-000000000001', 'default', 'Default tenant',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

INSERT INTO "Workspace" ("id", "tenantId", "slug", "name", "createdAt", "updatedAt")
VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'default',
        'Default workspace', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE UNIQUE INDEX "Agent_live_name_key" ON "Agent" ("workspaceId", "name") WHERE "deletedAt" IS NULL;
CREATE UNIQUE INDEX "Workflow_live_name_key" ON "Workflow" ("workspaceId", "name") WHERE "deletedAt" IS NULL;
CREATE UNIQUE INDEX "Workflow_live_key_key" ON "Workflow" ("workspaceId", "key") WHERE "deletedAt" IS NULL;
