import { createAgentService } from './agents.ts';
import type { Resources } from './resources.ts';
import { createWorkflowService } from './workflows.ts';
import { createWorkspaceService } from './workspaces.ts';

/** Every domain service, built from one resources object. GraphQL and REST call only these. */
export function createServices(res: Resources) {
  const agents = createAgentService(res);
  return {
    agents,
    workflows: createWorkflowService(res, agents),
    workspaces: createWorkspaceService(res),
  };
}

/** The services' type, carried in request contexts. */
export type Services = ReturnType<typeof createServices>;
