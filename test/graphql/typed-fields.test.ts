// Typed replacements of String and JSON fields (issue 14, point 1 and the error half of 6):
// step and run failures, typed run events, error codes, issue paths as lists, and a walk of
// the schema that fails on any status-like field still typed String.
import { getNamedType, type GraphQLField, isInterfaceType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWorkflowDocument,
  EventRunsAndStepsDocument,
  ExecuteWorkflowDocument,
  RerunFromStepDocument,
  RetryRunDocument,
  SignalRunDocument,
  TypedCancelRunDocument,
  TypedCreateApiKeyDocument,
  TypedCreateWorkflowDocument,
  TypedNotFoundDocument,
  TypedParseWorkflowDocument,
  TypedRunDocument,
  type TypedRunEventsQuery,
  TypedRunEventsDocument,
  type TypedRunQuery,
  TypedValidateWorkflowDocument,
} from '../gql/graphql.ts';
import { pathSegments } from '../../src/domain/path-segments.ts';
import { schema } from '../../src/graphql/schema.ts';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

type TypedRun = Extract<TypedRunQuery['run'], { __typename: 'Run' }>;
type TypedEvent = Extract<TypedRunEventsQuery['run'], { __typename: 'Run' }>['events']['edges'][number]['node'];

let t: TestApp;
let f: ReturnType<typeof flows>;
const agents: TestAgent[] = [];
const track = (agent: TestAgent) => (agents.push(agent), agent);
beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  f = flows(t);
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await t?.close();
});

async function typedRun(id: string): Promise<TypedRun> {
  return expectMember((await t.ok(TypedRunDocument, { id })).run, 'Run');
}

async function typedEvents(id: string): Promise<TypedEvent[]> {
  const out: TypedEvent[] = [];
  let after: string | null | undefined;
  for (;;) {
    const run = expectMember((await t.ok(TypedRunEventsDocument, { id, first: 100, after })).run, 'Run');
    out.push(...run.events.edges.map((e) => e.node));
    if (!run.events.pageInfo.hasNextPage) return out;
    after = run.events.pageInfo.endCursor;
  }
}

/** The details member each kind must come with. */
const DETAILS: Record<string, string> = {
  RUN_CREATED: 'RunCreatedDetails',
  RUN_STARTED: 'RunStartedDetails',
  RUN_COMPLETED: 'RunCompletedDetails',
  RUN_FAILED: 'RunFailedDetails',
  RUN_CANCELLED: 'RunCancelledDetails',
  RUN_RETRIED: 'RunRetriedDetails',
  STEP_STARTED: 'StepStartedDetails',
  STEP_COMPLETED: 'StepCompletedDetails',
  STEP_FAILED: 'StepFailedDetails',
  STEP_RETRY_SCHEDULED: 'StepRetryScheduledDetails',
  STEP_SKIPPED: 'StepSkippedDetails',
  STEP_CANCELLED: 'StepCancelledDetails',
  STEP_WAITING: 'StepWaitingDetails',
  STEP_SIGNALLED: 'StepSignalledDetails',
  STEP_REUSED: 'StepReusedDetails',
  STEP_INTERRUPTED: 'StepInterruptedDetails',
  STEP_LOG: 'StepLogDetails',
};

/** What every event of `runId` must show, whatever its kind. */
function expectWellFormed(events: TypedEvent[], runId: string): void {
  for (const event of events) {
    const where = `event ${event.seq} (${event.kind})`;
    expect(event.details.__typename, where).toBe(DETAILS[event.kind]);
    expect(event.run.id, where).toBe(runId);
    expect(event.step?.stepId ?? null, where).toBe(event.stepId);
    expect(event.message, where).not.toBe('');
    expect(['INFO', 'WARNING', 'ERROR'], where).toContain(event.level);
  }
}

function only<K extends TypedEvent['kind']>(events: TypedEvent[], kind: K, stepId?: string): TypedEvent[] {
  return events.filter((e) => e.kind === kind && (stepId === undefined || e.stepId === stepId));
}

function detailsOf<N extends TypedEvent['details']['__typename']>(
  event: TypedEvent | undefined,
  typename: N,
): Extract<TypedEvent['details'], { __typename: N }> {
  return expectMember(event?.details, typename);
}

describe('failures and events of a run that retries, logs, branches, waits and fails', () => {
  let run: TypedRun;
  let events: TypedEvent[];
  let runId: string;

  beforeAll(async () => {
    let calls = 0;
    const flaky = track(
      await startHttpAgent(() => {
        calls += 1;
        if (calls === 1) return new AgentReply(500, 'upstream exploded');
        return { ok: false, logs: [{ level: 'warn', message: 'slow upstream', data: { ms: 900 } }] };
      }),
    );
    const broken = track(await startHttpAgent(() => new AgentReply(500, 'still broken')));
    const wf = await f.workflow('typed-failing', {
      steps: [
        { id: 'fetch', type: 'agent', agent: await f.agent('flaky', flaky), input: {}, retry: { maxRetries: 1, initialDelayMs: 0 } },
        {
          id: 'check',
          type: 'condition',
          dependsOn: ['fetch'],
          condition: { value: '${fetch.output.ok}', operator: 'equals', compareTo: true },
          onTrue: ['celebrate'],
          onFalse: ['approve'],
        },
        { id: 'celebrate', type: 'transform', dependsOn: ['check'], expression: '"yay"' },
        { id: 'approve', type: 'wait', dependsOn: ['check'] },
        {
          id: 'publish',
          type: 'agent',
          agent: await f.agent('broken', broken),
          dependsOn: ['approve'],
          input: {},
          retry: { maxRetries: 0 },
        },
      ],
    });
    runId = (await f.execute(wf.id)).id;
    await waitForRun(t, runId, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'));
    expectMember((await t.ok(SignalRunDocument, { runId, stepId: 'approve', payload: { approved: true } })).signalRun, 'Run');
    await waitForRun(t, runId);
    run = await typedRun(runId);
    events = await typedEvents(runId);
  });

  it('shows the failure of the run, its steps and their attempts, typed', () => {
    expect(run.status).toBe('FAILED');
    expect(run.failure).toMatchObject({ kind: 'STEP_FAILED', stepId: 'publish' });
    expect(run.failure?.message).toContain('still broken');

    const step = (id: string) => run.steps.find((s) => s.stepId === id);
    expect(run.steps.map((s) => [s.stepId, s.stepType])).toEqual([
      ['fetch', 'AGENT'],
      ['check', 'CONDITION'],
      ['celebrate', 'TRANSFORM'],
      ['approve', 'WAIT'],
      ['publish', 'AGENT'],
    ]);
    expect(run.timeline.steps.map((s) => s.stepType)).toEqual(['AGENT', 'CONDITION', 'TRANSFORM', 'WAIT', 'AGENT']);

    // fetch failed once, then completed: the step has no failure left, its first attempt does.
    expect(step('fetch')?.failure).toBeNull();
    expect(step('fetch')?.attempts.map((a) => [a.status, a.failure?.kind ?? null])).toEqual([
      ['FAILED', 'HTTP'],
      ['SUCCEEDED', null],
    ]);
    expect(step('fetch')?.attempts[0]?.failure).toEqual({
      message: expect.stringContaining('HTTP 500') as unknown,
      kind: 'HTTP',
      statusCode: 500,
      body: 'upstream exploded',
      retryable: true,
      retryAfterMs: null,
      attempt: 1,
    });
    expect(step('publish')?.failure).toMatchObject({ kind: 'HTTP', statusCode: 500, body: 'still broken', retryable: true, attempt: 1 });
    expect(step('publish')?.attempts[0]?.failure).toEqual(step('publish')?.failure);
  });

  it('types every event: kind, level, message, attempt, run, step and the details of its kind', () => {
    expectWellFormed(events, runId);
    expect(new Set(events.map((e) => e.kind))).toEqual(
      new Set([
        'RUN_CREATED',
        'RUN_STARTED',
        'STEP_STARTED',
        'STEP_RETRY_SCHEDULED',
        'STEP_LOG',
        'STEP_COMPLETED',
        'STEP_SKIPPED',
        'STEP_WAITING',
        'STEP_SIGNALLED',
        'STEP_FAILED',
        'RUN_FAILED',
      ]),
    );

    const created = only(events, 'RUN_CREATED')[0];
    expect(created).toMatchObject({ level: 'INFO', step: null, attempt: null });
    expect(detailsOf(created, 'RunCreatedDetails')).toMatchObject({ triggeredBy: 'API', version: 1, parentRunId: null });
    expect(detailsOf(only(events, 'RUN_STARTED')[0], 'RunStartedDetails').startedAt).toEqual(expect.any(String));

    const [firstStart, secondStart] = only(events, 'STEP_STARTED', 'fetch');
    expect(firstStart).toMatchObject({ attempt: 1, step: { stepId: 'fetch', status: 'COMPLETED' } });
    expect(detailsOf(firstStart, 'StepStartedDetails')).toMatchObject({ stepAttempt: 1, input: {}, idempotencyKey: expect.any(String) });
    expect(detailsOf(secondStart, 'StepStartedDetails').stepAttempt).toBe(2);

    const retry = only(events, 'STEP_RETRY_SCHEDULED')[0];
    expect(retry).toMatchObject({ level: 'WARNING', attempt: 1, stepId: 'fetch' });
    expect(retry?.message).toContain('upstream exploded');
    const retryDetails = detailsOf(retry, 'StepRetryScheduledDetails');
    expect(retryDetails.error).toMatchObject({ kind: 'HTTP', statusCode: 500, body: 'upstream exploded', retryable: true, attempt: 1 });
    expect(retryDetails.retryAt).toEqual(expect.any(String));

    const log = only(events, 'STEP_LOG')[0];
    expect(log).toMatchObject({ level: 'WARNING', message: 'slow upstream', attempt: 2, stepId: 'fetch' });
    expect(detailsOf(log, 'StepLogDetails')).toEqual({
      __typename: 'StepLogDetails',
      logLevel: 'WARNING',
      logMessage: 'slow upstream',
      fields: { ms: 900 },
      logAttempt: 2,
    });

    const fetched = only(events, 'STEP_COMPLETED', 'fetch')[0];
    expect(detailsOf(fetched, 'StepCompletedDetails')).toMatchObject({ completedAttempt: 2, output: { ok: false } });
    expect(detailsOf(fetched, 'StepCompletedDetails').durationMs).toEqual(expect.any(Number));

    const skipped = only(events, 'STEP_SKIPPED')[0];
    expect(skipped).toMatchObject({ stepId: 'celebrate', step: { status: 'SKIPPED' } });
    expect(detailsOf(skipped, 'StepSkippedDetails').reason).toBe('BRANCH_NOT_TAKEN');

    expect(detailsOf(only(events, 'STEP_WAITING')[0], 'StepWaitingDetails')).toMatchObject({ waitingFor: 'SIGNAL', until: null });
    expect(detailsOf(only(events, 'STEP_SIGNALLED')[0], 'StepSignalledDetails').payload).toEqual({ approved: true });

    const failed = only(events, 'STEP_FAILED')[0];
    expect(failed).toMatchObject({ level: 'ERROR', stepId: 'publish', attempt: 1, step: { status: 'FAILED' } });
    expect(detailsOf(failed, 'StepFailedDetails').error).toMatchObject({ kind: 'HTTP', statusCode: 500, body: 'still broken', attempt: 1 });

    const runFailed = only(events, 'RUN_FAILED')[0];
    expect(runFailed).toMatchObject({ level: 'ERROR', step: null });
    expect(detailsOf(runFailed, 'RunFailedDetails').runError).toMatchObject({ kind: 'STEP_FAILED', stepId: 'publish' });
  });

  it('types the retry of the run', async () => {
    expectMember((await t.ok(RetryRunDocument, { id: runId })).retryRun, 'Run');
    await waitForRun(t, runId);
    const retried = only(await typedEvents(runId), 'RUN_RETRIED')[0];
    expect(detailsOf(retried, 'RunRetriedDetails')).toMatchObject({ previousStatus: 'FAILED', stepIds: ['publish'] });
  });
});

describe('failure kinds', () => {
  async function failingRun(step: Record<string, unknown>, extra: { timeoutSeconds?: number } = {}): Promise<TypedRun> {
    const wf = expectMember(
      (await t.ok(CreateWorkflowDocument, { input: { name: `kinds-${Math.random()}`, definition: { steps: [step] }, ...extra } }))
        .createWorkflow,
      'Workflow',
    );
    const run = expectMember((await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow, 'Run');
    await waitForRun(t, run.id);
    return typedRun(run.id);
  }

  it('an unreachable agent is a NETWORK failure', async () => {
    const gone = await startHttpAgent(() => ({}));
    const name = await f.agent('gone', gone);
    await gone.close();
    const run = await failingRun({ id: 'call', type: 'agent', agent: name, input: {}, retry: { maxRetries: 0 } });
    expect(run.steps[0]?.failure).toMatchObject({ kind: 'NETWORK', statusCode: null, body: null, retryable: true, attempt: 1 });
    expect(run.failure).toMatchObject({ kind: 'STEP_FAILED', stepId: 'call' });
  });

  it('an agent that does not answer in time is a TIMEOUT failure', async () => {
    const never = gate();
    const silent = track(await startHttpAgent(() => never.wait));
    const run = await failingRun({
      id: 'call',
      type: 'agent',
      agent: await f.agent('silent', silent),
      input: {},
      timeoutMs: 100,
      retry: { maxRetries: 0 },
    });
    expect(run.steps[0]?.failure).toMatchObject({ kind: 'TIMEOUT', retryable: true, attempt: 1 });
    expect(run.steps[0]?.attempts[0]?.failure?.kind).toBe('TIMEOUT');
  });

  it('a run past its deadline failed with TIMED_OUT, naming no step', async () => {
    const run = await failingRun({ id: 'hold', type: 'wait' }, { timeoutSeconds: 1 });
    expect(run.failure).toMatchObject({ kind: 'TIMED_OUT', stepId: null });
    const failed = only(await typedEvents(run.id), 'RUN_FAILED')[0];
    expect(detailsOf(failed, 'RunFailedDetails').runError).toMatchObject({ kind: 'TIMED_OUT', stepId: null });
  });
});

describe('completed, re-run and cancelled runs', () => {
  it('RUN_COMPLETED carries the outputs; a re-run says where it comes from and which steps it reused', async () => {
    const wf = await f.workflow('typed-rerun', {
      steps: [
        { id: 'a', type: 'transform', expression: '"one"' },
        { id: 'b', type: 'transform', dependsOn: ['a'], expression: '"two"' },
      ],
    });
    const parent = await waitForRun(t, (await f.execute(wf.id)).id);
    const parentEvents = await typedEvents(parent.id);
    expectWellFormed(parentEvents, parent.id);
    expect(detailsOf(only(parentEvents, 'RUN_COMPLETED')[0], 'RunCompletedDetails').outputs).toEqual({ b: 'two' });
    expect(detailsOf(only(parentEvents, 'STEP_COMPLETED', 'a')[0], 'StepCompletedDetails').output).toBe('one');

    const child = expectMember((await t.ok(RerunFromStepDocument, { runId: parent.id, stepId: 'b' })).rerunFromStep, 'Run');
    await waitForRun(t, child.id);
    const childEvents = await typedEvents(child.id);
    expectWellFormed(childEvents, child.id);
    expect(detailsOf(only(childEvents, 'RUN_CREATED')[0], 'RunCreatedDetails')).toMatchObject({
      triggeredBy: 'RERUN',
      parentRunId: dbId(parent.id),
      rerunFromStepId: 'b',
    });
    const reused = only(childEvents, 'STEP_REUSED')[0];
    expect(reused?.stepId).toBe('a');
    expect(detailsOf(reused, 'StepReusedDetails').fromRun?.id).toBe(parent.id);
  });

  it('a cancelled run shows a CANCELLED failure, RUN_CANCELLED and STEP_CANCELLED; cancelling again is INVALID_STATE', async () => {
    const wf = await f.workflow('typed-cancel', { steps: [{ id: 'hold', type: 'wait' }] });
    const runId = (await f.execute(wf.id)).id;
    await waitForRun(t, runId, (r) => r.steps[0]?.status === 'WAITING');
    const cancelled = expectMember((await t.ok(TypedCancelRunDocument, { id: runId })).cancelRun, 'Run');
    expect(cancelled.failure).toMatchObject({ kind: 'CANCELLED', stepId: null });

    const events = await typedEvents(runId);
    expectWellFormed(events, runId);
    expect(only(events, 'RUN_CANCELLED')[0]).toMatchObject({ level: 'WARNING' });
    expect(detailsOf(only(events, 'RUN_CANCELLED')[0], 'RunCancelledDetails')).toMatchObject({ cancelReason: null });
    expect(detailsOf(only(events, 'STEP_CANCELLED')[0], 'StepCancelledDetails').stepId).toBe('hold');

    const again = expectMember((await t.ok(TypedCancelRunDocument, { id: runId })).cancelRun, 'InvalidStateError');
    expect(again).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'CANCELLED' });
  });
});

describe('typed errors', () => {
  it('every error type answers its code', async () => {
    const missing = expectMember((await t.ok(TypedNotFoundDocument, { id: 'no-such-run' })).run, 'NotFoundError');
    expect(missing).toMatchObject({ code: 'NOT_FOUND', entityType: 'RUN' });

    const name = `typed-conflict-${Math.random()}`;
    const definition = { steps: [{ id: 'only', type: 'transform', expression: '$' }] };
    expectMember((await t.ok(TypedCreateWorkflowDocument, { input: { name, definition } })).createWorkflow, 'Workflow');
    const clash = expectMember((await t.ok(TypedCreateWorkflowDocument, { input: { name, definition } })).createWorkflow, 'ConflictError');
    expect(clash.code).toBe('CONFLICT');

    const invalid = expectMember(
      (
        await t.ok(TypedCreateWorkflowDocument, {
          input: { name: `typed-invalid-${Math.random()}`, definition: { steps: [{ id: 'x', type: 'agent' }] } },
        })
      ).createWorkflow,
      'ValidationError',
    );
    expect(invalid.code).toBe('VALIDATION_FAILED');
    expect(invalid.issues.length).toBeGreaterThan(0);
    for (const issue of invalid.issues) expect(issue.fieldPath, issue.path).toEqual(pathSegments(issue.path));
    expect(invalid.issues.map((i) => i.fieldPath)).toContainEqual(['definition', 'steps', '0', 'agent']);
  });

  it('a ForbiddenError names the least role needed, as the Role enum', async () => {
    const auth = await startTestApp({}, authEnv);
    try {
      const editor = await mintToken({ sub: 'ed', customer_id: 'typed-co', role: 'editor' });
      const denied = (await auth.ok(TypedCreateApiKeyDocument, { input: { name: 'k', role: 'VIEWER' } }, { token: editor })).createApiKey;
      expect(expectMember(denied, 'ForbiddenError')).toMatchObject({ code: 'FORBIDDEN', minimumRole: 'ADMIN' });
    } finally {
      await auth.close();
    }
  });

  it('definition issues give their location as a list of segments too', async () => {
    const result = (
      await t.ok(TypedValidateWorkflowDocument, {
        input: { definition: { steps: [{ id: 'a', type: 'transform', expression: '$', dependsOn: ['ghost'] }] } },
      })
    ).validateWorkflow;
    expect(result.valid).toBe(false);
    for (const issue of result.issues) expect(issue.fieldPath, issue.path).toEqual(pathSegments(issue.path));
    expect(result.issues.map((i) => i.fieldPath)).toContainEqual(['steps', '0', 'dependsOn', '0']);
  });

  it('path segments read both renderings of a path', () => {
    expect(pathSegments('')).toEqual([]);
    expect(pathSegments('name')).toEqual(['name']);
    expect(pathSegments('definition.steps[2].agent')).toEqual(['definition', 'steps', '2', 'agent']);
    expect(pathSegments('steps["a b"].next_step')).toEqual(['steps', 'a b', 'next_step']);
    expect(pathSegments('[3].x')).toEqual(['3', 'x']);
  });
});

describe('parsed workflows', () => {
  it('nodesForm is the nodes document, typed', async () => {
    const parsed = expectMember(
      (await t.ok(TypedParseWorkflowDocument, { instruction: 'Fetch the sales data, then wait for approval, then send the report' }))
        .parseWorkflow,
      'ParsedWorkflow',
    );
    const raw = parsed.nodes as { nodes: { id: string; type: string; input_from?: string | string[] }[] };
    expect(parsed.nodesForm.nodes.map((n) => n.id)).toEqual(raw.nodes.map((n) => n.id));
    expect(parsed.nodesForm.nodes.map((n) => n.type)).toEqual(raw.nodes.map((n) => n.type.toUpperCase()));
    expect(parsed.nodesForm.nodes.map((n) => n.inputFrom)).toEqual(
      raw.nodes.map((n) => (n.input_from === undefined ? [] : typeof n.input_from === 'string' ? [n.input_from] : n.input_from)),
    );
    expect(parsed.nodesForm.nodes.some((n) => n.type === 'WAIT')).toBe(true);
  });
});

describe('the schema', () => {
  /**
   * Output fields named like a status or a kind that may stay String or JSON because their
   * values are genuinely free (none today), each with its reason. Deprecated fields are
   * skipped: each has a typed replacement beside it.
   */
  const FREE: Record<string, string> = {};
  const NAMED_LIKE = /(status|state|kind|type|level|role|entity)$/i;

  it('has no status-like output field typed String, except deprecated ones with a typed replacement', () => {
    const offenders: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      const fields = type.getFields();
      for (const field of Object.values(fields) as GraphQLField<unknown, unknown>[]) {
        const key = `${type.name}.${field.name}`;
        if (!NAMED_LIKE.test(field.name) || FREE[key]) continue;
        if (!['String', 'JSON'].includes(getNamedType(field.type).name)) continue;
        if (field.deprecationReason) continue;
        offenders.push(key);
      }
    }
    expect(offenders).toEqual([]);
    for (const key of Object.keys(FREE)) expect(schema.getType(key.split('.')[0] ?? ''), `${key} is stale`).toBeDefined();
  });
});

describe('RunEvent.run and RunEvent.step are batched', () => {
  let counted: TestApp;
  let statements: string[] = [];
  beforeAll(async () => {
    // No workers: their polling would be counted too.
    counted = await startTestApp({ onQuery: (sql) => statements.push(sql) }, { WORKER_CONCURRENCY: '0' });
  });
  afterAll(async () => {
    await counted?.close();
  });

  it('events(first: 100) { run step } costs the same number of statements for 10 events and for 100', async () => {
    // Cancelling a run nobody started appends one STEP_CANCELLED per step: 120 events with a step.
    const steps = Array.from({ length: 120 }, (_, i) => ({ id: `s${i}`, type: 'transform', expression: '$' }));
    const wf = expectMember(
      (await counted.ok(CreateWorkflowDocument, { input: { name: 'many-steps', definition: { steps } } })).createWorkflow,
      'Workflow',
    );
    const run = expectMember((await counted.ok(ExecuteWorkflowDocument, { workflowId: wf.id })).executeWorkflow, 'Run');
    expectMember((await counted.ok(TypedCancelRunDocument, { id: run.id })).cancelRun, 'Run');

    const sqlOf = async (first: number) => {
      statements = [];
      const data = await counted.ok(EventRunsAndStepsDocument, { id: run.id, first });
      const sent = statements;
      statements = [];
      return { sent, edges: expectMember(data.run, 'Run').events.edges };
    };
    const few = await sqlOf(10);
    const many = await sqlOf(100);
    const message = `first:10 → ${few.sent.length} statements, first:100 → ${many.sent.length}\n  ${many.sent.join('\n  ')}`;
    console.info(`EventRunsAndSteps: first:10 → ${few.sent.length} SQL statements, first:100 → ${many.sent.length}`);
    expect(few.edges).toHaveLength(10);
    expect(many.edges).toHaveLength(100);
    expect(many.edges.every((e) => e.node.run.id === run.id)).toBe(true);
    // The first event is RUN_CREATED (no step); the others cancelled a step each.
    expect(many.edges.slice(1).every((e) => e.node.step?.status === 'CANCELLED')).toBe(true);
    expect(many.sent.length, message).toBe(few.sent.length);
    expect(many.sent.length, message).toBeLessThanOrEqual(6);
  });
});
