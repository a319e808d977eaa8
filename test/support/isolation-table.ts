// The values of the cross-tenant isolation table (test/support/isolation-graphql.ts builds the
// requests from them): the ways each of tenant A's objects can be named, and what arguments
// and inputs that name nothing are filled with.

import { isGlobalId } from '../../src/graphql/ids.ts';
import type { Ref, World } from './tenants.ts';

/** A value of the table: how to make it from a world, and whether it carries tenant A's data. */
export interface Value {
  fromA: boolean;
  make(w: World, nonce: string): unknown;
}
export const own = (make: (nonce: string) => unknown): Value => ({ fromA: false, make: (_w, nonce) => make(nonce) });
export const ofA = (make: (w: World, nonce: string) => unknown): Value => ({ fromA: true, make });

/** The objects of each kind a lookup is tried with, in a world (A's, or its ghost). */
export const VARIANTS: Record<string, (w: World) => Ref[]> = {
  Run: (w) => [w.waitingRun, w.completedRun, w.failedRun, w.cancelledRun],
  // Workflows are also named by the database id of any of their versions.
  Workflow: (w) => [
    w.workflow,
    w.transformWorkflow,
    w.agentWorkflow,
    w.templateWorkflow,
    w.secondWorkspaceWorkflow,
    ...w.workflow.versions.map((v) => ({ global: v.db, db: v.db })),
  ],
  WorkflowVersion: (w) => w.workflow.versions,
  Agent: (w) => [w.agent],
  Schedule: (w) => [w.schedule],
  BackfillJob: (w) => [w.backfill],
  BulkRunOperation: (w) => [w.bulkOperation],
  ApiKey: (w) => [w.apiKey],
  Workspace: (w) => [w.defaultWorkspace, w.secondWorkspace],
  StepRun: (w) => [w.stepRun],
  StepAttempt: (w) => [w.stepAttempt],
  RunEvent: (w) => [w.runEvent],
};

/** Every global id of a world (for `node` / `nodes`). */
export function everyGlobalId(w: World): string[] {
  const ids = Object.values(VARIANTS).flatMap((variants) => variants(w).map((r) => r.global));
  return [...new Set(ids.filter(isGlobalId))];
}

/** Both id forms of each variant (global, then database), without repeats. */
export function idForms(refs: Ref[]): string[] {
  return [...new Set(refs.flatMap((r) => [r.global, r.db]))];
}

/** Built-in templates are not tenant data: anyone may read and instantiate them. */
export const TEMPLATE_ID = 'sequential';

/**
 * The entity a field's `id` argument names, from the field's name: the longest entity name it
 * contains (`backfillSchedule` → Schedule, `backfillJob` → BackfillJob, `checkAgentHealth` → Agent).
 */
export function entityOf(fieldName: string): string | null {
  const name = fieldName.charAt(0).toUpperCase() + fieldName.slice(1);
  const entities = [...Object.keys(VARIANTS), 'WorkflowTemplate'].sort((a, b) => b.length - a.length);
  return entities.find((entity) => name.includes(entity)) ?? null;
}

/**
 * Lookups that no naming rule finds, by `field.argument`: A's idempotency key of a bulk
 * operation must not return (or conflict with) A's operation.
 */
export const LOOKUPS: Record<string, (w: World) => unknown[]> = {
  'cancelRuns.idempotencyKey': (w) => [w.bulkOperation.idempotencyKey],
  'retryRuns.idempotencyKey': (w) => [w.bulkOperation.idempotencyKey],
};

/** Activity is asked for fixed UTC days around now: both requests of a pair see the same buckets. */
const TODAY = new Date(new Date().toISOString().slice(0, 10));
const DAY_MS = 86_400_000;

/**
 * Plain arguments and input fields, by `field.name` (the same in the `input` object as in the
 * deprecated arguments): A's strings that are not lookups (a step id, an idempotency key) and
 * what required ones need to be valid.
 */
export const ARGS: Record<string, Value> = {
  'rerunFromStep.stepId': own(() => 'only'),
  'signalRun.stepId': ofA((w) => w.waitingStep),
  'signalRun.payload': own(() => ({ approved: true })),
  'rerunFromStep.inputPatch': own(() => ({ hijacked: true })),
  'cancelRun.reason': own(() => 'cancelled by tenant B'),
  'cancelRuns.reason': own(() => 'cancelled by tenant B'),
  'executeWorkflow.idempotencyKey': ofA((w) => w.idempotencyKey),
  'executeWorkflow.conversationId': ofA((w) => w.conversationId),
  'executeWorkflow.userId': ofA((w) => w.endUserId),
  'executeWorkflow.input': own(() => ({ from: 'tenant B' })),
  'runWorkflow.idempotencyKey': ofA((w) => w.idempotencyKey),
  'runWorkflow.conversationId': ofA((w) => w.conversationId),
  'runWorkflow.userId': ofA((w) => w.endUserId),
  'runWorkflow.inputs': own(() => ({ from: 'tenant B' })),
  'setScheduleEnabled.enabled': own(() => true),
  'backfillSchedule.from': own(() => '2024-01-01T00:00:00Z'),
  'backfillSchedule.to': own(() => '2024-12-31T00:00:00Z'),
  'previewSchedule.cronExpression': own(() => '0 9 * * 1'),
  // Yesterday to tomorrow by the day: A's runs of the fixture are all inside (counts A sees, B must not).
  'runActivity.from': own(() => new Date(TODAY.getTime() - DAY_MS).toISOString()),
  'runActivity.to': own(() => new Date(TODAY.getTime() + 2 * DAY_MS).toISOString()),
  'runActivity.bucket': own(() => 'DAY'),
  // The parser and validation match steps against the workspace's agents: A's must not count.
  'parseWorkflow.instruction': ofA((w) => `Every Monday at 9am ask ${w.agent.name} for the sales report and email it`),
  'validateWorkflow.definition': ofA((w) => ({ steps: [{ id: 'call', type: 'agent', agent: w.agent.name }] })),
};

/** Inputs by input type name: minimal valid values (B's own names, A's names where a lookup hides). */
export const INPUTS: Record<string, Value> = {
  CreateAgentInput: own((nonce) => ({ name: `zq-beta-agent-${nonce}`, url: 'http://127.0.0.1:9/zq-beta' })),
  UpdateAgentInput: own(() => ({ description: 'changed by tenant B', status: 'INACTIVE', url: 'http://127.0.0.1:9/hijacked' })),
  // A definition calling A's agent: validation must report it missing, as for an agent that never existed.
  CreateWorkflowInput: ofA((w, nonce) => ({
    name: `zq-beta-workflow-${nonce}`,
    definition: { steps: [{ id: 'call', type: 'agent', agent: w.agent.name }] },
  })),
  UpdateWorkflowInput: own(() => ({
    description: 'changed by tenant B',
    definition: { steps: [{ id: 'only', type: 'transform', expression: '"hijacked"' }] },
    status: 'INACTIVE',
  })),
  // A's workspace slug: refused exactly like a slug no tenant has.
  CreateApiKeyInput: ofA((w, nonce) => ({ name: `zq-beta-key-${nonce}`, role: 'ADMIN', workspace: w.secondWorkspace.slug })),
  CreateWorkspaceInput: own((nonce) => ({ name: `zq-beta workspace ${nonce}`, slug: `zq-beta-${nonce}` })),
  UpdateWorkspaceInput: own(() => ({ name: 'renamed by tenant B', retentionDays: 1 })),
  ScheduleInput: own(() => ({ cronExpression: '* * * * *', enabled: true, inputs: { from: 'tenant B' } })),
  InstantiateTemplateInput: own((nonce) => ({ name: `zq-beta-template-${nonce}` })),
};

/** Optional filter inputs worth setting to A's values: a list filtered by A's id must come back empty. */
export const FILTERS: Record<string, Value> = {
  RunFilter: ofA((w) => ({ workflowId: w.workflow.global })),
  AgentFilter: ofA((w) => ({ nameContains: w.agent.name })),
  WorkflowFilter: ofA((w) => ({ nameContains: w.workflow.name })),
};
