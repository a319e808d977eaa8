import { createAgentService } from './agents.ts';
import { createAnalyticsService } from './analytics.ts';
import { createParseService } from './parse-service.ts';
import type { Resources } from './resources.ts';
import { createRunService } from './runs.ts';
import { createScheduleService } from './schedules.ts';
import { createTemplateService } from './templates.ts';
import { createWorkflowService } from './workflows.ts';
import { createWorkspaceService } from './workspaces.ts';

/** Every domain service, built from one resources object. GraphQL and REST call only these. */
export function createServices(res: Resources) {
  const agents = createAgentService(res);
  const workflows = createWorkflowService(res, agents);
  return {
    agents,
    workflows,
    parse: createParseService(res, agents),
    templates: createTemplateService(res, workflows),
    workspaces: createWorkspaceService(res),
    runs: createRunService(res, workflows),
    analytics: createAnalyticsService(res),
    schedules: createScheduleService(res, workflows),
  };
}

/** The services' type, carried in request contexts. */
export type Services = ReturnType<typeof createServices>;
