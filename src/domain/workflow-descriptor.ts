// Workflow descriptors: what a workflow UI needs to draw a workflow without reading its
// definition format (seed 000's GET /api/v1/workflows/{workflow_key}): its steps grouped into
// stages by dependency depth, the agents those steps call, and its input and output schemas.
//
// Flowdeck's agent steps are single request/response calls with no conversation turns, no
// reducer merging parallel outputs (a step reads its dependencies' outputs by reference) and
// no hand-off between agents, so a descriptor reports those concepts as absent: maxTurns and
// reducers null, handoffs false.
import type { Workflow, WorkflowVersion } from '../db/models.ts';
import type { Step, StepType, WorkflowDefinition } from './definition/schema.ts';
import { NotFoundError } from './errors.ts';
import { ioSchemas, type JSONSchema } from './io-schema.ts';
import { inScope, type Principal } from './principal.ts';
import type { Resources } from './resources.ts';
import { AGENT_PROTOCOLS, AGENT_STATUSES, type AgentProtocol, type AgentStatus, asStatus } from './statuses.ts';
import type { WorkflowService } from './workflows.ts';

/** One step as a descriptor lists it. */
export interface DescriptorStep {
  id: string;
  name: string | null;
  description: string | null;
  type: StepType;
  /** The agent an `agent` step calls; null for other types. */
  agent: string | null;
  /** The agent action (skill) an `agent` step asks for, when it names one. */
  action: string | null;
  dependsOn: string[];
  /** Index of its stage: 0 for steps that depend on nothing, else one more than its deepest dependency. */
  stage: number;
  timeoutMs: number | null;
  /** Retries after a failed attempt, when the step sets a retry policy (else the agent's own applies). */
  maxRetries: number | null;
}

/** Steps at one dependency depth: they may run in parallel once the stage before has finished. */
export interface DescriptorStage {
  index: number;
  /** Step ids, in definition order. */
  steps: string[];
  /** More than one step: they run in parallel. */
  parallel: boolean;
}

/** An agent the workflow's steps call, as registered now in the workspace. */
export interface DescriptorAgent {
  name: string;
  /** MISSING when no agent of that name is registered in the workspace any more. */
  status: AgentStatus | 'MISSING';
  url: string | null;
  protocol: AgentProtocol | null;
  description: string | null;
  /** Ids of the steps that call it, in definition order. */
  steps: string[];
}

/** One version of a workflow, described. */
export interface WorkflowDescriptor {
  workflow: Workflow;
  /** The described version: the one an id named (an older version's id names that version), or the current one. */
  version: WorkflowVersion;
  /** Whether the caller named the workflow by an id (its own, or one of its versions') or by its key. */
  matchedBy: 'id' | 'key';
  steps: DescriptorStep[];
  stages: DescriptorStage[];
  agents: DescriptorAgent[];
  /** Always null: an agent step is one call, with no turns to bound. */
  maxTurns: null;
  /** Always null: steps read their dependencies' outputs by reference; nothing merges them. */
  reducers: null;
  /** Always false: a step cannot hand its work over to another agent. */
  handoffs: false;
  inputSchema: JSONSchema;
  outputSchema: JSONSchema;
}

/** The dependency depth of every step (a stored definition is acyclic; a cycle would count as depth 0). */
export function stageIndexes(steps: readonly Pick<Step, 'id' | 'dependsOn'>[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const deps = byId.get(id)?.dependsOn ?? [];
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(visit));
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const step of steps) visit(step.id);
  return depth;
}

/** The steps and stages of a definition. */
export function describeSteps(definition: WorkflowDefinition): { steps: DescriptorStep[]; stages: DescriptorStage[] } {
  const depth = stageIndexes(definition.steps);
  const steps = definition.steps.map((step): DescriptorStep => ({
    id: step.id,
    name: step.name ?? null,
    description: step.description ?? null,
    type: step.type,
    agent: step.type === 'agent' ? step.agent : null,
    action: step.type === 'agent' ? (step.action ?? null) : null,
    dependsOn: [...(step.dependsOn ?? [])],
    stage: depth.get(step.id) ?? 0,
    timeoutMs: step.timeoutMs ?? null,
    maxRetries: step.retry?.maxRetries ?? null,
  }));
  const count = steps.length === 0 ? 0 : Math.max(...steps.map((s) => s.stage)) + 1;
  const stages = Array.from({ length: count }, (_, index): DescriptorStage => {
    const ids = steps.filter((s) => s.stage === index).map((s) => s.id);
    return { index, steps: ids, parallel: ids.length > 1 };
  });
  return { steps, stages };
}

/** Descriptors of workflows, scoped by principal. */
export function createWorkflowDescriptorService(res: Resources, workflows: WorkflowService) {
  const db = res.db.prisma;

  /** The workspace's agents of these names, live ones winning over deleted namesakes. */
  async function agentsNamed(principal: Principal, steps: DescriptorStep[]): Promise<DescriptorAgent[]> {
    const names = [...new Set(steps.flatMap((s) => (s.agent ? [s.agent] : [])))];
    if (names.length === 0) return [];
    const rows = await db.agent.findMany({
      where: { ...inScope(principal), name: { in: names } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return names.map((name) => {
      const row = rows.find((r) => r.name === name && !r.deletedAt) ?? rows.findLast((r) => r.name === name);
      return {
        name,
        status: row ? asStatus(AGENT_STATUSES, row.status) : 'MISSING',
        url: row?.url ?? null,
        protocol: row ? asStatus(AGENT_PROTOCOLS, row.protocol) : null,
        description: row?.description ?? null,
        steps: steps.filter((s) => s.agent === name).map((s) => s.id),
      };
    });
  }

  return {
    /**
     * Describes the workflow named by `idOrKey`: first as an id (the workflow's own or any of
     * its versions', deleted workflows included, as seed 004 reads them), else as the key of a
     * live workflow. A version's id describes that version (seed 004 keeps one row per
     * version); the workflow's own id and its key describe the current version.
     */
    async describe(principal: Principal, idOrKey: string): Promise<WorkflowDescriptor> {
      let matchedBy: 'id' | 'key' = 'id';
      const found = await workflows.resolve(principal, idOrKey).then(
        ({ workflow, named }) => ({ workflow, version: named }),
        async (error: unknown) => {
          if (!(error instanceof NotFoundError)) throw error;
          const byKey = await db.workflow.findFirst({
            where: { ...inScope(principal), key: idOrKey, deletedAt: null },
            include: { latestVersion: true },
          });
          if (!byKey?.latestVersion) throw error;
          matchedBy = 'key';
          const { latestVersion, ...workflow } = byKey;
          return { workflow, version: latestVersion };
        },
      );
      const definition = found.version.definition as unknown as WorkflowDefinition;
      const { steps, stages } = describeSteps(definition);
      const schemas = ioSchemas(definition);
      return {
        ...found,
        matchedBy,
        steps,
        stages,
        agents: await agentsNamed(principal, steps),
        maxTurns: null,
        reducers: null,
        handoffs: false,
        inputSchema: schemas.inputs,
        outputSchema: schemas.outputs,
      };
    },
  };
}

/** The service's type, for code that receives it. */
export type WorkflowDescriptorService = ReturnType<typeof createWorkflowDescriptorService>;
