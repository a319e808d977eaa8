// Mutation conventions: every mutation takes one `input` object (the older separate arguments
// still work, deprecated), objects named by "id or key" take a @oneOf reference, and runWorkflow
// says whether an idempotency key replayed an earlier run.
import { getNamedType, isInputObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import {
  AgentByRefDocument,
  ArchiveWorkflowInputDocument,
  BackfillScheduleInputDocument,
  CancelRunInputDocument,
  CancelRunMixedDocument,
  CreateApiKeyDocument,
  CreateScheduleInputDocument,
  CurrentWorkspaceDocument,
  DeleteAgentInputDocument,
  DeleteScheduleInputDocument,
  DeleteWorkflowInputDocument,
  InstantiateTemplateInputDocument,
  ParseWorkflowInputDocument,
  RerunFromStepInputDocument,
  RetryRunInputDocument,
  RevokeApiKeyInputDocument,
  RunsDocument,
  RunWorkflowDocument,
  SetScheduleEnabledInputDocument,
  SignalRunInputDocument,
  UpdateAgentInputDocument,
  UpdateScheduleInputDocument,
  UpdateWorkflowInputDocument,
  UpdateWorkspaceInputDocument,
  ValidateWorkflowInputDocument,
  WorkflowByRefDocument,
} from '../gql/graphql.ts';
import { startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let f: ReturnType<typeof flows>;
let agent: TestAgent;
let admin: string;
beforeAll(async () => {
  t = await startTestApp({}, authEnv);
  admin = await mintToken({ sub: 'ada', customer_id: 'acme', role: 'admin' });
  agent = await startHttpAgent(() => ({ ok: true }));
  // Every request below acts as this admin; flows() sends no credential, so wrap it.
  const ok = t.ok.bind(t);
  const gql = t.gql.bind(t);
  t = { ...t, ok: (d, v, s) => ok(d, v, { token: admin, ...s }), gql: (d, v, s) => gql(d, v, { token: admin, ...s }) };
  f = flows(t);
});
afterAll(async () => {
  await agent?.close();
  await t?.close();
});

describe('the schema', () => {
  it('gives every mutation one non-deprecated argument, `input`, whose type is an input object', () => {
    const offenders: string[] = [];
    for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
      const current = field.args.filter((a) => !a.deprecationReason);
      const ok = current.length === 1 && current[0]?.name === 'input' && isInputObjectType(getNamedType(current[0].type));
      if (!ok) offenders.push(`${field.name}(${current.map((a) => a.name).join(', ')})`);
    }
    // executeWorkflow's `input` is the run's JSON input: the whole mutation is deprecated for runWorkflow.
    expect(offenders.filter((o) => !o.startsWith('executeWorkflow('))).toEqual([]);
    expect(schema.getMutationType()?.getFields().executeWorkflow?.deprecationReason).toMatch(/runWorkflow/);
  });

  it('declares the references as @oneOf input objects', () => {
    for (const name of ['WorkflowRef', 'AgentRef']) {
      const type = schema.getType(name);
      expect(isInputObjectType(type) && type.isOneOf).toBe(true);
    }
  });
});

describe('runs', () => {
  it('runWorkflow starts a run by key or by id and tells a replayed idempotency key from a new run', async () => {
    const wf = await f.workflow('conv', {
      steps: [{ id: 'a', type: 'transform', expression: 'n * 2', input: { n: '${workflow.input.n}' } }],
    });
    const byKey = expectMember(
      (await t.ok(RunWorkflowDocument, { input: { workflow: { key: wf.key }, inputs: { n: 2 }, idempotencyKey: 'k-1' } })).runWorkflow,
      'RunWorkflowSuccess',
    );
    expect(byKey.created).toBe(true);
    expect(byKey.run.inputs).toEqual({ n: 2 });
    const replay = expectMember(
      (await t.ok(RunWorkflowDocument, { input: { workflow: { id: wf.id }, inputs: { n: 2 }, idempotencyKey: 'k-1' } })).runWorkflow,
      'RunWorkflowSuccess',
    );
    expect(replay).toMatchObject({ created: false, run: { id: byKey.run.id } });
    const missing = (await t.ok(RunWorkflowDocument, { input: { workflow: { key: 'no-such-workflow' } } })).runWorkflow;
    expect(missing.__typename).toBe('NotFoundError');
  });

  it('refuses a reference naming both or neither of id and key, before anything runs', async () => {
    const wf = await f.workflow('oneof', { steps: [{ id: 'a', type: 'transform', expression: '1' }] });
    const both = await t.gql(RunWorkflowDocument, { input: { workflow: { id: wf.id, key: wf.key } as never } });
    expect(both.errors?.[0]?.message).toMatch(/exactly one/i);
    const neither = await t.gql(RunWorkflowDocument, { input: { workflow: {} as never } });
    expect(neither.errors?.[0]?.message).toMatch(/exactly one/i);
    expect((await t.ok(RunsDocument, { filter: { workflowId: wf.id } })).runs.totalCount).toBe(0);
  });

  it('cancels, retries, signals and re-runs with input objects', async () => {
    const wf = await f.workflow('lifecycle', {
      steps: [
        { id: 'gate', type: 'wait', signal: 'go' },
        { id: 'after', type: 'transform', dependsOn: ['gate'], expression: 'v', input: { v: '${gate.output.v}' } },
      ],
    });
    const first = (await f.execute(wf.id)).id;
    const cancelled = expectMember((await t.ok(CancelRunInputDocument, { input: { id: first, reason: 'not today' } })).cancelRun, 'Run');
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelReason: 'not today' });
    const retried = expectMember((await t.ok(RetryRunInputDocument, { input: { id: first } })).retryRun, 'Run');
    expect(retried.id).toBe(first);
    await waitForRun(t, first, (r) => r.steps.some((s) => s.stepId === 'gate' && s.status === 'WAITING'));
    expectMember((await t.ok(SignalRunInputDocument, { input: { runId: first, stepId: 'gate', payload: { v: 7 } } })).signalRun, 'Run');
    expect((await waitForRun(t, first)).status).toBe('COMPLETED');

    const child = expectMember(
      (await t.ok(RerunFromStepInputDocument, { input: { runId: first, stepId: 'after', inputPatch: { note: 'x' } } })).rerunFromStep,
      'Run',
    );
    expect(child).toMatchObject({ rerunFromStepId: 'after', parent: { id: first }, inputs: { note: 'x' } });
  });

  it('refuses mixing the input object with a deprecated argument, and a call with neither, naming the field', async () => {
    const wf = await f.workflow('mixed', { steps: [{ id: 'gate', type: 'wait' }] });
    const run = (await f.execute(wf.id)).id;
    const mixed = expectMember((await t.ok(CancelRunMixedDocument, { input: { id: run }, id: run })).cancelRun, 'ValidationError');
    expect(mixed.issues[0]?.path).toBe('input.id');
    const neither = expectMember((await t.ok(CancelRunMixedDocument, {})).cancelRun, 'ValidationError');
    expect(neither.issues[0]).toMatchObject({ path: 'input.id', message: 'input.id is required' });
    expect((await waitForRun(t, run, () => true)).status).not.toBe('CANCELLED');
  });
});

describe('workflows, agents, schedules, templates, workspaces and keys', () => {
  it('changes, validates, finds, archives and deletes workflows by input objects and references', async () => {
    const wf = await f.workflow('wf-conv', { steps: [{ id: 'a', type: 'transform', expression: '1' }] });
    const renamed = expectMember(
      (await t.ok(UpdateWorkflowInputDocument, { input: { id: wf.id, name: 'Renamed' } })).updateWorkflow,
      'Workflow',
    );
    expect(renamed.name).toBe('Renamed');
    expect(expectMember((await t.ok(WorkflowByRefDocument, { ref: { key: wf.key } })).workflow, 'Workflow').id).toBe(wf.id);
    expect(expectMember((await t.ok(WorkflowByRefDocument, { ref: { id: wf.id } })).workflow, 'Workflow').key).toBe(wf.key);
    const checked = (await t.ok(ValidateWorkflowInputDocument, { input: { definition: { steps: [] } } })).validateWorkflow;
    expect(checked.valid).toBe(false);
    expect(expectMember((await t.ok(ArchiveWorkflowInputDocument, { input: { id: wf.id } })).archiveWorkflow, 'Workflow').status).toBe(
      'ARCHIVED',
    );
    expect(expectMember((await t.ok(DeleteWorkflowInputDocument, { input: { id: wf.id } })).deleteWorkflow, 'Workflow').status).toBe(
      'DELETED',
    );
  });

  it('changes and deletes agents by input objects, and finds them by reference', async () => {
    const name = await f.agent('conv-agent', agent);
    const found = expectMember((await t.ok(AgentByRefDocument, { ref: { name } })).agent, 'Agent');
    const changed = expectMember(
      (await t.ok(UpdateAgentInputDocument, { input: { id: found.id, description: 'new' } })).updateAgent,
      'Agent',
    );
    expect(changed.description).toBe('new');
    expect(expectMember((await t.ok(DeleteAgentInputDocument, { input: { id: found.id } })).deleteAgent, 'Agent').status).toBe('DELETED');
  });

  it('creates, changes, switches, backfills and deletes schedules by input objects', async () => {
    const wf = await f.workflow('sched-conv', { steps: [{ id: 'a', type: 'transform', expression: '1' }] });
    const created = expectMember(
      (await t.ok(CreateScheduleInputDocument, { input: { workflow: { key: wf.key }, cronExpression: '0 9 * * *' } })).createSchedule,
      'Schedule',
    );
    const changed = expectMember(
      (await t.ok(UpdateScheduleInputDocument, { input: { id: created.id, cronExpression: '0 10 * * *' } })).updateSchedule,
      'Schedule',
    );
    expect(changed.cronExpression).toBe('0 10 * * *');
    const moved = expectMember(
      (await t.ok(UpdateScheduleInputDocument, { input: { id: created.id, workflow: { key: wf.key } } })).updateSchedule,
      'ValidationError',
    );
    expect(moved.message).toMatch(/input\.workflow|another workflow/);
    const off = expectMember(
      (await t.ok(SetScheduleEnabledInputDocument, { input: { id: created.id, enabled: false } })).setScheduleEnabled,
      'Schedule',
    );
    expect(off.enabled).toBe(false);
    const now = Date.now();
    const job = (
      await t.ok(BackfillScheduleInputDocument, {
        input: { id: created.id, from: new Date(now - 3 * 86_400_000).toISOString(), to: new Date(now - 86_400_000).toISOString() },
      })
    ).backfillSchedule;
    expect(job.__typename).toBe('BackfillJob');
    expect(expectMember((await t.ok(DeleteScheduleInputDocument, { input: { id: created.id } })).deleteSchedule, 'Schedule').id).toBe(
      created.id,
    );
  });

  it('instantiates templates, parses instructions, changes workspaces and revokes keys by input objects', async () => {
    const made = expectMember(
      (await t.ok(InstantiateTemplateInputDocument, { input: { templateId: 'parallel-fan-out', name: 'From template' } }))
        .instantiateTemplate,
      'Workflow',
    );
    expect(made.name).toBe('From template');
    const parsed = (await t.ok(ParseWorkflowInputDocument, { input: { instruction: 'Every day at 9am send a report' } })).parseWorkflow;
    expect(parsed.__typename).toBe('ParsedWorkflow');
    const ws = (await t.ok(CurrentWorkspaceDocument, {})).currentWorkspace;
    const renamed = expectMember(
      (await t.ok(UpdateWorkspaceInputDocument, { input: { id: ws.id, name: 'Main' } })).updateWorkspace,
      'Workspace',
    );
    expect(renamed.name).toBe('Main');
    const key = expectMember((await t.ok(CreateApiKeyDocument, { input: { name: 'ci', role: 'EDITOR' } })).createApiKey, 'CreatedApiKey');
    const revoked = expectMember((await t.ok(RevokeApiKeyInputDocument, { input: { id: key.apiKey.id } })).revokeApiKey, 'ApiKey');
    expect(revoked.revokedAt).not.toBeNull();
  });
});
