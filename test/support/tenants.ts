// Two tenants on one production-mode server, for the cross-tenant isolation tests: tenant A
// owns one of everything (created through the public API), tenant B owns a little of its own.
// Also: every id and name of A's data (to search B's answers for), a snapshot of A's rows (to
// prove B changed nothing). The comparison of answers is in tenant-answers.ts.

import { encodeGlobalID } from '@pothos/plugin-relay';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BackfillJobDocument,
  BackfillScheduleDocument,
  BulkRunOperationDocument,
  CancelRunDocument,
  CancelRunsDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateScheduleDocument,
  CreateWorkflowDocument,
  CreateWorkspaceDocument,
  CurrentWorkspaceDocument,
  ExecuteWorkflowDocument,
  ExecuteWorkflowForConversationDocument,
  InstantiateTemplateDocument,
  SetScheduleEnabledDocument,
  UpdateWorkflowDocument,
} from '../gql/graphql.ts';
import { type RequestScope, startTestApp, type TestApp } from './app.ts';
import { authEnv, mintToken } from './auth.ts';
import { dbId, expectMember } from './flows.ts';
import { waitForRun } from './runs.ts';

/** Every name, key, slug and label tenant A uses contains this, so any of them is found by one search. */
export const A_MARK = 'zq-alpha';
/** Names of the look-alike objects that do not exist (the "not found" twin of each request). */
export const GHOST_MARK = 'zq-ghost';
export const TENANT_A = 'tenant-a';
export const TENANT_B = 'tenant-b';

/** One object in every id form the APIs accept. */
export interface Ref {
  /** Relay global id. */
  global: string;
  /** Database id (what REST returns). */
  db: string;
}

/** Tenant A's objects (or their ghosts: the same shape, naming nothing that exists). */
export interface World {
  tenantId: string;
  /** Workspaces are named by global id or database id (X-Workspace-Id takes both). */
  defaultWorkspace: Ref & { slug: string };
  secondWorkspace: Ref & { slug: string; name: string };
  agent: Ref & { name: string };
  /** A workflow whose run waits for a signal at step `approve`; two versions. */
  workflow: Ref & { key: string; name: string; versions: Ref[] };
  /** A transform-only workflow: its runs complete; the schedule and backfill run it. */
  transformWorkflow: Ref & { key: string; name: string };
  /** A workflow calling the agent (unreachable: its run FAILS after one attempt). */
  agentWorkflow: Ref & { key: string; name: string };
  templateWorkflow: Ref & { name: string };
  /** A workflow in A's second workspace. */
  secondWorkspaceWorkflow: Ref & { key: string; name: string };
  /** RUNNING, its step `approve` WAITING for a signal. */
  waitingRun: Ref;
  completedRun: Ref;
  failedRun: Ref;
  cancelledRun: Ref;
  schedule: Ref;
  backfill: Ref;
  /** A bulk cancel of the completed run (SKIPPED: nothing to cancel), with an idempotency key. */
  bulkOperation: Ref & { idempotencyKey: string };
  apiKey: Ref & { name: string; secret: string; prefix: string };
  /** A step run, an attempt and an event of A's runs (global ids only exist through GraphQL). */
  stepRun: Ref;
  stepAttempt: Ref;
  runEvent: Ref;
  idempotencyKey: string;
  conversationId: string;
  endUserId: string;
  /** The step id the waiting run waits at. */
  waitingStep: string;
}

/** What tenant B owns, so a request can pair one of B's ids with one of A's. */
export interface OwnB {
  workflow: Ref & { key: string; name: string };
  run: Ref;
  schedule: Ref;
  agent: Ref & { name: string };
}

/** The shared server, both tenants' credentials, A's world and its ghost. */
export interface Tenants {
  t: TestApp;
  tokenA: string;
  tokenB: string;
  a: World;
  ghost: World;
  b: OwnB;
  /** Every id (database and global) of every row of tenant A, plus A's secrets; B must never see one. */
  secretsOfA(): Promise<string[]>;
  /** Tenant A's rows, every table that has a tenantId (and schedule ticks), minus bookkeeping columns. */
  snapshotA(): Promise<Record<string, unknown[]>>;
}

/** Models whose rows belong to a tenant: every model of the Prisma schema with a tenantId column. */
export function tenantModels(): string[] {
  const prisma = readFileSync(new URL('../../prisma/sqlite/schema.prisma', import.meta.url), 'utf8');
  const models: string[] = [];
  for (const match of prisma.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    if (/^\s+tenantId\s/m.test(match[2] ?? '')) models.push(match[1] as string);
  }
  return models;
}

/** The column holding a model's own id (`id`, or e.g. `runId` for a run's tombstone). */
export function idColumnOf(model: string): string {
  const prisma = readFileSync(new URL('../../prisma/sqlite/schema.prisma', import.meta.url), 'utf8');
  const body = new RegExp(`^model ${model} \\{([\\s\\S]*?)^\\}`, 'm').exec(prisma)?.[1] ?? '';
  return /^\s+(\w+)\s+\S+.*@id\b/m.exec(body)?.[1] ?? 'id';
}

/** Columns that change without anyone writing A's data: bookkeeping of use, not content. */
const BOOKKEEPING: Record<string, string[]> = { ApiKey: ['lastUsedAt'] };

function ref(global: string): Ref {
  return { global, db: dbId(global) };
}

function ghostRef(type: string): Ref {
  const db = randomUUID();
  return { global: encodeGlobalID(type, db), db };
}

/** A world of the same shape as `a` in which nothing exists. */
function ghostOf(a: World): World {
  const ghostName = (name: string) => name.replaceAll(A_MARK, GHOST_MARK);
  return {
    tenantId: 'tenant-ghost',
    defaultWorkspace: { ...ghostRef('Workspace'), slug: 'default' },
    secondWorkspace: { ...ghostRef('Workspace'), slug: ghostName(a.secondWorkspace.slug), name: ghostName(a.secondWorkspace.name) },
    agent: { ...ghostRef('Agent'), name: ghostName(a.agent.name) },
    workflow: {
      ...ghostRef('Workflow'),
      key: ghostName(a.workflow.key),
      name: ghostName(a.workflow.name),
      versions: a.workflow.versions.map(() => ghostRef('WorkflowVersion')),
    },
    transformWorkflow: { ...ghostRef('Workflow'), key: ghostName(a.transformWorkflow.key), name: ghostName(a.transformWorkflow.name) },
    agentWorkflow: { ...ghostRef('Workflow'), key: ghostName(a.agentWorkflow.key), name: ghostName(a.agentWorkflow.name) },
    templateWorkflow: { ...ghostRef('Workflow'), name: ghostName(a.templateWorkflow.name) },
    secondWorkspaceWorkflow: {
      ...ghostRef('Workflow'),
      key: ghostName(a.secondWorkspaceWorkflow.key),
      name: ghostName(a.secondWorkspaceWorkflow.name),
    },
    waitingRun: ghostRef('Run'),
    completedRun: ghostRef('Run'),
    failedRun: ghostRef('Run'),
    cancelledRun: ghostRef('Run'),
    schedule: ghostRef('Schedule'),
    backfill: ghostRef('BackfillJob'),
    bulkOperation: { ...ghostRef('BulkRunOperation'), idempotencyKey: ghostName(a.bulkOperation.idempotencyKey) },
    apiKey: { ...ghostRef('ApiKey'), name: ghostName(a.apiKey.name), secret: 'fdk_ghost', prefix: 'fdk_ghost' },
    stepRun: ghostRef('StepRun'),
    stepAttempt: ghostRef('StepAttempt'),
    runEvent: ghostRef('RunEvent'),
    idempotencyKey: ghostName(a.idempotencyKey),
    conversationId: ghostName(a.conversationId),
    endUserId: ghostName(a.endUserId),
    waitingStep: a.waitingStep,
  };
}

const WAITING = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '"draft"' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
    { id: 'publish', type: 'transform', dependsOn: ['approve'], expression: '"published"' },
  ],
};
const WAITING_V2 = { steps: [...WAITING.steps, { id: 'archive', type: 'transform', dependsOn: ['publish'], expression: '"kept"' }] };
const TRANSFORM = { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] };

/**
 * Starts one production-mode server with authentication required and builds both tenants'
 * data through the public GraphQL API. `env` adds settings (e.g. limits) to the server's.
 */
export async function startTenants(env: Record<string, string> = {}): Promise<Tenants> {
  const t = await startTestApp(
    {},
    {
      ...authEnv,
      NODE_ENV: 'production',
      WORKER_POLL_MS: '50',
      // The generated documents select every field of every type: more than a client would ask for.
      GRAPHQL_MAX_TOKENS: '100000',
      GRAPHQL_MAX_COST: '10000000',
      // Each union member's fields are aliased (`Run_id`): `node` over every Node type takes thousands.
      GRAPHQL_MAX_ALIASES: '10000',
      // Agents live on loopback (port 9: nothing listens, so calls fail at once); no traffic leaves the machine.
      EGRESS_ALLOW: 'loopback',
      ...env,
    },
  );
  const tokenA = await mintToken({ sub: 'alice@a.example', customer_id: TENANT_A, role: 'admin' });
  const tokenB = await mintToken({ sub: 'bob@b.example', customer_id: TENANT_B, role: 'admin' });
  const asA: RequestScope = { token: tokenA };
  const asB: RequestScope = { token: tokenB };

  // ---- tenant A ----
  const defaultA = (await t.ok(CurrentWorkspaceDocument, {}, asA)).currentWorkspace;
  const second = expectMember(
    (await t.ok(CreateWorkspaceDocument, { input: { name: `${A_MARK} Second`, slug: `${A_MARK}-second` } }, asA)).createWorkspace,
    'Workspace',
  );
  const agent = expectMember(
    (
      await t.ok(
        CreateAgentDocument,
        {
          input: {
            name: `${A_MARK}-agent`,
            url: 'http://127.0.0.1:9/zq-alpha',
            description: `${A_MARK} agent`,
            timeoutMs: 1000,
            retryConfig: { maxRetries: 0 },
          },
        },
        asA,
      )
    ).createAgent,
    'Agent',
  );
  async function workflow(name: string, definition: unknown, scope: RequestScope) {
    const created = (await t.ok(CreateWorkflowDocument, { input: { name, definition, description: `${name} description` } }, scope))
      .createWorkflow;
    const wf = expectMember(created, 'Workflow');
    return { ...ref(wf.id), key: wf.key, name };
  }
  async function execute(workflowId: string, scope: RequestScope, idempotencyKey?: string) {
    return ref(expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId, idempotencyKey }, scope)).executeWorkflow, 'Run').id);
  }

  const approval = await workflow(`${A_MARK}-approval`, WAITING, asA);
  const v2 = expectMember(
    (await t.ok(UpdateWorkflowDocument, { id: approval.global, input: { definition: WAITING_V2, versionLabel: '2.0.0' } }, asA))
      .updateWorkflow,
    'Workflow',
  );
  if (v2.currentVersion !== 2) throw new Error(`expected version 2, got ${JSON.stringify(v2)}`);
  const transform = await workflow(`${A_MARK}-transform`, TRANSFORM, asA);
  const agentFlow = await workflow(
    `${A_MARK}-agentflow`,
    { steps: [{ id: 'call', type: 'agent', agent: agent.name, input: { q: 'zq-alpha-question' } }] },
    asA,
  );
  const template = expectMember(
    (await t.ok(InstantiateTemplateDocument, { templateId: 'sequential', input: { name: `${A_MARK}-template` } }, asA)).instantiateTemplate,
    'Workflow',
  );
  const inSecond: RequestScope = { ...asA, workspaceId: second.id };
  const secondWf = await workflow(`${A_MARK}-second-wf`, TRANSFORM, inSecond);
  await execute(secondWf.global, inSecond);

  const waitingRun = await execute(approval.global, asA);
  const cancelledRun = await execute(approval.global, asA);
  const idempotencyKey = `${A_MARK}-idem`;
  const completedRun = await execute(transform.global, asA, idempotencyKey);
  const conversation = expectMember(
    (
      await t.ok(
        ExecuteWorkflowForConversationDocument,
        { workflowId: transform.global, conversationId: `${A_MARK}-conversation`, userId: `${A_MARK}-user` },
        asA,
      )
    ).executeWorkflow,
    'Run',
  );
  const failedRun = await execute(agentFlow.global, asA);
  await waitForRun(t, waitingRun.global, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'), asA);
  await waitForRun(t, cancelledRun.global, (r) => r.status === 'RUNNING', asA);
  expectMember((await t.ok(CancelRunDocument, { id: cancelledRun.global, reason: `${A_MARK} reason` }, asA)).cancelRun, 'Run');
  await waitForRun(t, cancelledRun.global, undefined, asA);
  const completed = await waitForRun(t, completedRun.global, undefined, asA);
  if (completed.status !== 'COMPLETED') throw new Error(`A's transform run ended ${completed.status}`);
  await waitForRun(t, conversation.id, undefined, asA);
  const failed = await waitForRun(t, failedRun.global, undefined, asA);
  if (failed.status !== 'FAILED') throw new Error(`A's agent run ended ${failed.status}`);
  // A bulk cancel of a finished run: it cancels nothing (the run is SKIPPED), but exists, with A's key and reason.
  const bulk = expectMember(
    (
      await t.ok(
        CancelRunsDocument,
        { input: { runs: { ids: [completedRun.global] }, reason: `${A_MARK} bulk reason`, idempotencyKey: `${A_MARK}-bulk` } },
        asA,
      )
    ).cancelRuns,
    'BulkRunOperation',
  );
  const bulkStarted = Date.now();
  for (;;) {
    const op = expectMember((await t.ok(BulkRunOperationDocument, { id: bulk.id }, asA)).bulkRunOperation, 'BulkRunOperation');
    if (op.status === 'COMPLETED' && op.skipped === 1) break;
    if (Date.now() - bulkStarted > 20_000) throw new Error(`A's bulk cancel never completed: ${JSON.stringify(op)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const waiting = await waitForRun(t, waitingRun.global, () => true, asA);
  const stepRun = waiting.steps.find((s) => s.stepId === 'prepare');
  if (!stepRun) throw new Error('no prepare step');

  const schedule = expectMember(
    (
      await t.ok(
        CreateScheduleDocument,
        { workflowId: transform.global, input: { cronExpression: '0 0 1 1 *', timezone: 'UTC', inputs: { from: A_MARK } } },
        asA,
      )
    ).createSchedule,
    'Schedule',
  );
  const backfill = expectMember(
    (await t.ok(BackfillScheduleDocument, { id: schedule.id, from: '2023-06-01T00:00:00Z', to: '2025-06-01T00:00:00Z' }, asA))
      .backfillSchedule,
    'BackfillJob',
  );
  const started = Date.now();
  for (;;) {
    const job = expectMember((await t.ok(BackfillJobDocument, { id: backfill.id }, asA)).backfillJob, 'BackfillJob');
    if (job.status === 'COMPLETED') break;
    if (Date.now() - started > 20_000) throw new Error(`backfill never completed: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Disabled, so no tick changes A's rows while B pokes at them.
  expectMember((await t.ok(SetScheduleEnabledDocument, { id: schedule.id, enabled: false }, asA)).setScheduleEnabled, 'Schedule');

  const key = expectMember(
    (await t.ok(CreateApiKeyDocument, { input: { name: `${A_MARK}-key`, role: 'EDITOR' as never } }, asA)).createApiKey,
    'CreatedApiKey',
  );

  // Every run of A finished or parked (backfill runs included), so A's rows stand still.
  const prisma = t.app.resources.db.prisma;
  const settleStarted = Date.now();
  for (;;) {
    const moving = await prisma.run.count({
      where: { tenantId: TENANT_A, status: { in: ['PENDING', 'RUNNING'] }, NOT: { id: waitingRun.db } },
    });
    if (moving === 0) break;
    if (Date.now() - settleStarted > 20_000) throw new Error(`${moving} of A's runs never finished`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const firstOf = async <T>(what: string, find: () => Promise<T | null>): Promise<T> => {
    const row = await find();
    if (!row) throw new Error(`A has no ${what}`);
    return row;
  };
  const attempt = await firstOf('step attempt', () => prisma.stepAttempt.findFirst({ where: { tenantId: TENANT_A } }));
  const event = await firstOf('run event', () => prisma.runEvent.findFirst({ where: { tenantId: TENANT_A } }));
  const versions = await prisma.workflowVersion.findMany({ where: { workflowId: approval.db }, orderBy: { version: 'asc' } });

  const a: World = {
    tenantId: TENANT_A,
    defaultWorkspace: { ...ref(defaultA.id), slug: defaultA.slug },
    secondWorkspace: { ...ref(second.id), slug: second.slug, name: second.name },
    agent: { ...ref(agent.id), name: agent.name },
    workflow: { ...approval, versions: versions.map((v) => ({ db: v.id, global: encodeGlobalID('WorkflowVersion', v.id) })) },
    transformWorkflow: transform,
    agentWorkflow: agentFlow,
    templateWorkflow: { ...ref(template.id), name: template.name },
    secondWorkspaceWorkflow: secondWf,
    waitingRun,
    completedRun,
    failedRun,
    cancelledRun,
    schedule: ref(schedule.id),
    backfill: ref(backfill.id),
    bulkOperation: { ...ref(bulk.id), idempotencyKey: `${A_MARK}-bulk` },
    apiKey: { ...ref(key.apiKey.id), name: key.apiKey.name, secret: key.secret, prefix: key.apiKey.prefix },
    stepRun: ref(stepRun.id),
    stepAttempt: { db: attempt.id, global: encodeGlobalID('StepAttempt', attempt.id) },
    runEvent: { db: event.id, global: encodeGlobalID('RunEvent', event.id) },
    idempotencyKey,
    conversationId: `${A_MARK}-conversation`,
    endUserId: `${A_MARK}-user`,
    waitingStep: 'approve',
  };

  // ---- tenant B ----
  const bAgent = expectMember(
    (await t.ok(CreateAgentDocument, { input: { name: 'zq-beta-agent', url: 'http://127.0.0.1:9/zq-beta' } }, asB)).createAgent,
    'Agent',
  );
  const bWorkflow = await workflow('zq-beta-workflow', TRANSFORM, asB);
  const bRun = await execute(bWorkflow.global, asB);
  await waitForRun(t, bRun.global, undefined, asB);
  const bSchedule = expectMember(
    (await t.ok(CreateScheduleDocument, { workflowId: bWorkflow.global, input: { cronExpression: '0 0 1 1 *', enabled: false } }, asB))
      .createSchedule,
    'Schedule',
  );
  const b: OwnB = {
    workflow: bWorkflow,
    run: bRun,
    schedule: ref(bSchedule.id),
    agent: { ...ref(bAgent.id), name: bAgent.name },
  };

  const models = tenantModels();
  const delegate = (model: string) =>
    (prisma as unknown as Record<string, { findMany(args: unknown): Promise<Record<string, unknown>[]> }>)[
      model.charAt(0).toLowerCase() + model.slice(1)
    ] as { findMany(args: unknown): Promise<Record<string, unknown>[]> };

  return {
    t,
    tokenA,
    tokenB,
    a,
    ghost: ghostOf(a),
    b,
    async secretsOfA() {
      const out = new Set<string>([TENANT_A, a.apiKey.secret, a.apiKey.prefix, A_MARK]);
      for (const model of models) {
        const id = idColumnOf(model);
        for (const row of await delegate(model).findMany({ where: { tenantId: TENANT_A }, select: { [id]: true } })) {
          out.add(String(row[id]));
          out.add(encodeGlobalID(model, String(row[id])));
        }
      }
      for (const row of await prisma.workspace.findMany({ where: { tenantId: TENANT_A } })) out.add(row.id);
      return [...out];
    },
    async snapshotA() {
      const snapshot: Record<string, unknown[]> = {};
      for (const model of models) {
        const rows = await delegate(model).findMany({ where: { tenantId: TENANT_A }, orderBy: { [idColumnOf(model)]: 'asc' } });
        snapshot[model] = rows.map((row) => {
          const copy = { ...row };
          for (const column of BOOKKEEPING[model] ?? []) delete copy[column];
          return copy;
        });
      }
      snapshot.ScheduleTick = await prisma.scheduleTick.findMany({ where: { scheduleId: a.schedule.db }, orderBy: { id: 'asc' } });
      snapshot.Tenant = await prisma.tenant.findMany({ where: { id: TENANT_A } });
      return snapshot;
    },
  };
}
