import { createAgentService } from './agents.ts';
import { createApiKeyService } from './api-keys.ts';
import { createBulkRunOperationService } from './bulk-run-operations.ts';
import { createAnalyticsService } from './analytics.ts';
import { createParseService, type ParseServiceOptions } from './parse-service.ts';
import type { Resources } from './resources.ts';
import { createRunHistoryService } from './run-history.ts';
import { createRunService } from './runs.ts';
import { createScheduleService } from './schedules.ts';
import { createStepListService } from './step-list-workflows.ts';
import { createTemplateService } from './templates.ts';
import { createTenantService } from './tenants.ts';
import { createWorkerService } from './workers.ts';
import { createWorkflowInstanceService } from './workflow-instances.ts';
import { createWorkflowDescriptorService } from './workflow-descriptor.ts';
import { createWorkflowExecutionService } from './workflow-executions.ts';
import { createReleaseService } from './workflow-releases.ts';
import { createWorkflowRunService } from './workflow-runs.ts';
import { createWorkflowService } from './workflows.ts';
import { createWorkspaceService } from './workspaces.ts';

/** What the composition root gives the services besides {@link Resources}: collaborators from other layers. */
export interface ServiceOptions {
  /** The parse service's LLM settings and A2A card reader (src/engine/agents/a2a-card-skills.ts). */
  parse?: ParseServiceOptions;
}

/** Every domain service, built from one resources object. GraphQL and REST call only these. */
export function createServices(res: Resources, options: ServiceOptions = {}) {
  const agents = createAgentService(res);
  const workflows = createWorkflowService(res, agents);
  const runs = createRunService(res, workflows);
  return {
    agents,
    workflows,
    /** Workflows in seed 003's nodes form with semantic version labels. */
    releases: createReleaseService(res, workflows),
    /** One workflow's runs, and deleting a workflow with them. */
    workflowRuns: createWorkflowRunService(res, workflows, runs),
    parse: createParseService(res, agents, options.parse),
    templates: createTemplateService(res, workflows),
    workspaces: createWorkspaceService(res),
    /** Tenants, created the first time a valid token names one. */
    tenants: createTenantService(res),
    apiKeys: createApiKeyService(res),
    runs,
    /** Bulk cancels and retries: accepted here, worked through by the engine (src/engine/bulk-operations.ts). */
    bulkRuns: createBulkRunOperationService(res),
    runHistory: createRunHistoryService(res),
    descriptors: createWorkflowDescriptorService(res, workflows),
    /** Seed 001's workflow instances: a configuration submitted and started at once. */
    instances: createWorkflowInstanceService(res, workflows, runs),
    /** Which worker pools are alive, in any process. */
    workers: createWorkerService(res),
    /** Workflows as v002 steps lists (seed 002's /api/workflows). */
    stepLists: createStepListService(res, workflows),
    /** Workflows' numbered executions, and deleting a workflow only while none is active. */
    workflowExecutions: createWorkflowExecutionService(res, workflows),
    analytics: createAnalyticsService(res),
    schedules: createScheduleService(res, workflows),
  };
}

/** The services' type, carried in request contexts. */
export type Services = ReturnType<typeof createServices>;
