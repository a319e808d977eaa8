// Seed 000 (the workflows UX backfill) under /api/v1/workflows: the light run list with its
// filters and both paginations, the descriptor by key (and seed 004's workflow extended with
// it by id), cancel and retry, and runs carrying the conversation_id / user_id their callers
// send, through seed 004's execute and GraphQL alike. Every REST answer is checked against
// /openapi.json by the client. The app runs on a manual clock, so start and end times (and
// so durations and the started_* filters) are exact; agents that must be "in flight" wait on
// gates, never on sleeps.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWorkspaceDocument,
  CreateAgentDocument,
  CreateWorkflowDocument,
  ExecuteWorkflowDocument,
  ExecuteWorkflowForConversationDocument,
  RunContextDocument,
} from '../gql/graphql.ts';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { eventually, waitForRun } from '../support/runs.ts';

const clock = new ManualClock('2031-03-01T09:00:00.000Z');
let t: TestApp;
let rest: RestClient;
let f: ReturnType<typeof flows>;
const agents: TestAgent[] = [];
let echo: string;
let flaky: string;
let slow: string;
let slowAgent: TestAgent;
let flakyFails = true;
let hold = gate();

/** Moves the manual clock forward (never back: the engine runs what is due by it) and returns the new instant. */
function advance(ms = 1000): string {
  clock.set(new Date(clock.now().getTime() + ms));
  return clock.now().toISOString();
}

beforeAll(async () => {
  t = await startTestApp({ clock }, { WORKER_POLL_MS: '20' });
  rest = restClient(t);
  f = flows(t);
  // Echoes the step's `reply` input as its output (as JSON text, so a string is a JSON string);
  // the flaky one fails until told otherwise.
  const echoAgent = await startHttpAgent(
    (body) => new AgentReply(200, JSON.stringify(body.input.reply ?? { ok: true }), { 'content-type': 'application/json' }),
  );
  const flakyAgent = await startHttpAgent(() => {
    if (flakyFails) return new AgentReply(500, { error: 'down' });
    return { text: 'recovered' };
  });
  slowAgent = await startHttpAgent(async () => {
    await hold.wait;
    return { text: 'late' };
  });
  agents.push(echoAgent, flakyAgent, slowAgent);
  const once = { retryConfig: { maxRetries: 0 }, timeoutMs: 30_000 };
  echo = await f.agent('echo', echoAgent, once);
  flaky = await f.agent('flaky', flakyAgent, once);
  slow = await f.agent('slow', slowAgent, once);
});
afterAll(async () => {
  hold.open();
  await t?.close();
  await Promise.all(agents.map((a) => a.close()));
});

const single = (agent: string, input: Record<string, unknown> = {}) => ({ steps: [{ id: 'answer', type: 'agent', agent, input }] });

async function list(query: string, headers?: Record<string, string>): Promise<Body> {
  const response = await rest.get(`/api/v1/workflows/runs?${query}`, { headers });
  expect(response.status, response.text).toBe(200);
  return response.body;
}
const ids = (page: Body): string[] => page.items.map((item: Body) => item.id);

async function finished(runId: string, status = 'COMPLETED') {
  const run = await waitForRun(t, runId);
  expect(run.status, JSON.stringify(run.error)).toBe(status);
  return run;
}

describe('GET /api/v1/workflows/runs', () => {
  it('lists runs newest first in the light view, with step_count, duration_ms and final_output_text computed', async () => {
    const answers = await f.workflow('answers', {
      steps: [
        { id: 'prepare', type: 'agent', agent: echo, input: { reply: 'prepared' } },
        { id: 'answer', type: 'agent', agent: echo, dependsOn: ['prepare'], input: { reply: '${workflow.input.reply}' } },
      ],
    });
    const started: string[] = [];
    const runs: string[] = [];
    for (const reply of [{ text: 'Hello there' }, 'x'.repeat(600), { b: 1, a: [1, 2] }]) {
      started.push(advance());
      const run = await f.execute(answers.id, { reply });
      runs.push(dbId(run.id));
      await finished(dbId(run.id));
    }
    const page = await list(`workflow_key=${answers.key}`);
    expect(page).toMatchObject({ total: 3, limit: 20, offset: 0, next_cursor: null });
    expect(page.items[2]).toEqual({
      id: runs[0],
      workflow_key: answers.key,
      status: 'completed',
      started_at: started[0],
      ended_at: started[0],
      user_id: null,
      conversation_id: null,
      step_count: 2,
      duration_ms: 0,
      final_output_text: 'Hello there',
    });
    // Cut to 500 characters, the last an ellipsis; several members: sorted compact JSON.
    expect(page.items[1].final_output_text).toBe(`${'x'.repeat(499)}…`);
    expect(page.items[0].final_output_text).toBe('{"answer":{"a":[1,2],"b":1}}');
    expect(ids(page)).toEqual([...runs].reverse());

    // A run that took 1.234 s of clock time, and one that failed (no output).
    const slowFlow = await f.workflow('slow-answer', single(slow));
    const begun = advance();
    const held = dbId((await f.execute(slowFlow.id)).id);
    await eventually(() => slowAgent.calls.length === 1, 'the slow agent is called');
    const ended = advance(1234);
    hold.open();
    await finished(held);
    const failing = await f.workflow('failing', single(flaky));
    const failedAt = advance();
    const failed = dbId((await f.execute(failing.id)).id);
    await finished(failed, 'FAILED');
    expect((await list(`workflow_key=${slowFlow.key}`)).items).toEqual([
      expect.objectContaining({
        id: held,
        started_at: begun,
        ended_at: ended,
        duration_ms: 1234,
        final_output_text: 'late',
        step_count: 1,
      }),
    ]);
    expect((await list(`workflow_key=${failing.key}`)).items).toEqual([
      expect.objectContaining({ id: failed, status: 'failed', ended_at: failedAt, duration_ms: 0, final_output_text: null, step_count: 1 }),
    ]);
  });

  it('filters by workflow_key, status, started_after/started_before and conversation_id', async () => {
    const ok = await f.workflow('filter-ok', single(echo, { reply: 'fine' }));
    const bad = await f.workflow('filter-bad', single(flaky));
    const t1 = advance();
    const r1 = dbId((await f.execute(ok.id)).id);
    const t2 = advance();
    const r2 = dbId((await f.execute(bad.id)).id);
    const t3 = advance();
    const started = await t.ok(ExecuteWorkflowForConversationDocument, { workflowId: ok.id, conversationId: 'conv-filter' });
    const r3 = dbId(expectMember(started.executeWorkflow, 'Run').id);
    await Promise.all([finished(r1), finished(r2, 'FAILED'), finished(r3)]);

    expect(ids(await list(`workflow_key=${ok.key}`))).toEqual([r3, r1]);
    expect(ids(await list(`workflow_key=${bad.key}`))).toEqual([r2]);
    expect(ids(await list(`workflow_key=${ok.key}&status=completed`))).toEqual([r3, r1]);
    expect(ids(await list(`workflow_key=${ok.key}&status=failed`))).toEqual([]);
    expect(ids(await list(`workflow_key=${bad.key}&status=failed`))).toEqual([r2]);
    // Strict bounds, across workflows; an offset names the same instant.
    expect(ids(await list(`started_after=${t1}&started_before=${t3}`))).toEqual([r2]);
    const t1InParis = new Date(new Date(t1).getTime() + 3_600_000).toISOString().replace('Z', '+01:00');
    expect(ids(await list(`started_after=${encodeURIComponent(t1InParis)}&workflow_key=${ok.key}`))).toEqual([r3]);
    expect(ids(await list(`started_before=${t3}&workflow_key=${ok.key}`))).toEqual([r1]);
    expect(ids(await list(`started_after=${t2}&started_before=${advance()}`))).toEqual([r3]);
    expect(ids(await list('conversation_id=conv-filter'))).toEqual([r3]);
    expect(ids(await list(`conversation_id=conv-filter&workflow_key=${ok.key}&status=completed`))).toEqual([r3]);
    expect(ids(await list(`conversation_id=conv-filter&workflow_key=${bad.key}`))).toEqual([]);
    expect(await list('workflow_key=no-such-workflow')).toMatchObject({ items: [], total: 0, next_cursor: null });

    for (const [query, loc] of [
      ['status=bogus', 'status'],
      ['status=COMPLETED', 'status'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['offset=-1', 'offset'],
      ['started_after=yesterday', 'started_after'],
    ] as const) {
      const refused = await rest.get(`/api/v1/workflows/runs?${query}`);
      expect(refused.status, query).toBe(422);
      expect(refused.body.detail, query).toEqual([expect.objectContaining({ loc: ['query', loc] })]);
    }
    const badCursor = await rest.get('/api/v1/workflows/runs?cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.detail).toMatch(/^cursor: is not a cursor from this list/);
  });

  it('pages by cursor without repeats or gaps while runs start between pages, and by offset/limit', async () => {
    const paged = await f.workflow('paged', single(echo));
    const start = async () => dbId((await f.execute(paged.id)).id);
    const original: { id: string; at: string }[] = [];
    for (let i = 0; i < 5; i += 1) original.push({ at: advance(), id: await start() });
    // Two runs at one instant: the id orders them.
    const tie = advance();
    original.push({ at: tie, id: await start() }, { at: tie, id: await start() });
    const expected = [...original].sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id)).map((r) => r.id);

    const seen: string[] = [];
    let page = await list(`workflow_key=${paged.key}&limit=3`);
    expect(page.total).toBe(7);
    const firstCursor: string = page.next_cursor;
    for (;;) {
      seen.push(...ids(page));
      if (!page.next_cursor) break;
      // Newer runs start between pages; they sort before the first page, so they never show up here.
      advance();
      await start();
      page = await list(`workflow_key=${paged.key}&limit=3&cursor=${page.next_cursor}`);
    }
    expect(seen).toEqual(expected);
    expect(page.items).toHaveLength(1);

    const all = await list(`workflow_key=${paged.key}&limit=100`);
    expect(all.total).toBe(9);
    const byOffset: string[] = [];
    for (let offset = 0; offset < all.total; offset += 4) {
      const numbered = await list(`workflow_key=${paged.key}&limit=4&offset=${offset}`);
      expect(numbered).toMatchObject({ limit: 4, offset, total: 9 });
      expect(numbered.next_cursor === null).toBe(offset + 4 >= 9);
      byOffset.push(...ids(numbered));
    }
    expect(byOffset).toEqual(ids(all));
    expect(new Set(byOffset).size).toBe(9);
    // An offset counts from the cursor.
    expect(ids(await list(`workflow_key=${paged.key}&limit=2&offset=1&cursor=${firstCursor}`))).toEqual(expected.slice(4, 6));
  });

  it('is scoped to the caller’s workspace', async () => {
    const other = expectMember(
      (await t.ok(CreateWorkspaceDocument, { input: { name: 'Other team', slug: 'history-other' } })).createWorkspace,
      'Workspace',
    );
    const scope = { 'x-workspace-slug': other.slug };
    const empty = await list('', scope);
    expect(empty).toMatchObject({ items: [], total: 0, next_cursor: null });
    expect((await list('')).total).toBeGreaterThan(0);

    // A run of the other workspace is listed there and nowhere else.
    const agent = expectMember(
      (await t.ok(CreateAgentDocument, { input: { name: echo, url: agents[0]?.url ?? '' } }, { workspaceSlug: other.slug })).createAgent,
      'Agent',
    );
    const wf = expectMember(
      (await t.ok(CreateWorkflowDocument, { input: { name: 'theirs', definition: single(agent.name) } }, { workspaceSlug: other.slug }))
        .createWorkflow,
      'Workflow',
    );
    advance();
    const started = await t.ok(ExecuteWorkflowDocument, { workflowId: wf.id, input: {} }, { workspaceSlug: other.slug });
    const theirs = dbId(expectMember(started.executeWorkflow, 'Run').id);
    expect(ids(await list('', scope))).toEqual([theirs]);
    expect(ids(await list(`workflow_key=${wf.key}`))).not.toContain(theirs);
    expect(ids(await list('limit=100'))).not.toContain(theirs);

    // Nor can the default workspace's runs or workflows be reached from there.
    const ours = (await list('limit=1')).items[0];
    for (const path of [`/api/v1/workflows/runs/${ours.id}/cancel`, `/api/v1/workflows/runs/${ours.id}/retry`]) {
      const refused = await rest.post(path, undefined, { headers: scope });
      expect(refused.status, path).toBe(404);
      expect(refused.body.detail).toBe(`Run with id '${ours.id}' not found`);
    }
    expect((await rest.get(`/api/v1/workflows/${ours.workflow_key}`, { headers: scope })).status).toBe(404);
  });
});

describe('GET /api/v1/workflows/{workflow_key}', () => {
  it('describes a workflow by key: steps, stages by dependency depth, agents, absent concepts, schemas', async () => {
    const wf = await f.workflow('described', {
      inputs: [
        { name: 'topic', type: 'string', required: true },
        { name: 'depth', type: 'integer', default: 2 },
      ],
      steps: [
        { id: 'research', type: 'agent', agent: echo, name: 'Research', timeoutMs: 5000, retry: { maxRetries: 2 }, input: {} },
        { id: 'draft', type: 'agent', agent: flaky, action: 'write', dependsOn: ['research'], input: {} },
        { id: 'check', type: 'transform', description: 'Checks facts', dependsOn: ['research'], expression: '$', input: {} },
        { id: 'publish', type: 'agent', agent: echo, dependsOn: ['draft', 'check'], input: {} },
      ],
      outputs: { article: '${publish.output.text}' },
    });
    const response = await rest.get(`/api/v1/workflows/${wf.key}`);
    expect(response.status, response.text).toBe(200);
    const step = (id: string, type: string, more: object) => ({
      id,
      name: null,
      description: null,
      type,
      agent: null,
      action: null,
      depends_on: [],
      timeout_ms: null,
      max_retries: null,
      ...more,
    });
    expect(response.body).toEqual({
      key: wf.key,
      workflow_id: dbId(wf.id),
      version_id: expect.any(String),
      name: expect.stringMatching(/^described-/),
      description: null,
      version: 1,
      version_label: null,
      status: 'active',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      steps: [
        step('research', 'agent', { name: 'Research', agent: echo, stage: 0, timeout_ms: 5000, max_retries: 2 }),
        step('draft', 'agent', { agent: flaky, action: 'write', depends_on: ['research'], stage: 1 }),
        step('check', 'transform', { description: 'Checks facts', depends_on: ['research'], stage: 1 }),
        step('publish', 'agent', { agent: echo, depends_on: ['draft', 'check'], stage: 2 }),
      ],
      stages: [
        { index: 0, steps: ['research'], parallel: false },
        { index: 1, steps: ['draft', 'check'], parallel: true },
        { index: 2, steps: ['publish'], parallel: false },
      ],
      agents: [
        { name: echo, status: 'active', url: agents[0]?.url, protocol: 'http', description: null, steps: ['research', 'publish'] },
        { name: flaky, status: 'active', url: agents[1]?.url, protocol: 'http', description: null, steps: ['draft'] },
      ],
      max_turns: null,
      reducers: null,
      handoffs: false,
      input_schema: {
        type: 'object',
        properties: { topic: { type: 'string' }, depth: { type: 'integer', default: 2 } },
        required: ['topic'],
        additionalProperties: true,
      },
      output_schema: { type: 'object', properties: { article: {} }, required: ['article'], additionalProperties: false },
    });
    const missing = await rest.get('/api/v1/workflows/no-such-key');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe("Workflow with id 'no-such-key' not found");
  });

  it('by a seed-004 id answers seed 004’s workflow extended with the descriptor fields', async () => {
    const chain = {
      name: 'described-chain',
      start_step: 'extract',
      steps: {
        extract: { id: 'extract', agent_name: echo, next_step: 'transform', input_mapping: { reply: '${workflow.input.source}' } },
        transform: { id: 'transform', agent_name: echo, next_step: null, input_mapping: { reply: '${extract.output}' } },
      },
    };
    const created = await rest.post('/api/v1/workflows', chain);
    expect(created.status, created.text).toBe(201);
    const v1 = created.body;
    const byKeyPath = async (key: string) => (await rest.get(`/api/v1/workflows/${key}`)).body;

    const byId = await rest.get(`/api/v1/workflows/${v1.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject(v1);
    const descriptor = {
      steps: [
        expect.objectContaining({ id: 'extract', type: 'agent', agent: echo, depends_on: [], stage: 0 }),
        expect.objectContaining({ id: 'transform', type: 'agent', agent: echo, depends_on: ['extract'], stage: 1 }),
      ],
      stages: [
        { index: 0, steps: ['extract'], parallel: false },
        { index: 1, steps: ['transform'], parallel: false },
      ],
      agents: [expect.objectContaining({ name: echo, status: 'active', protocol: 'http', steps: ['extract', 'transform'] })],
      max_turns: null,
      reducers: null,
      handoffs: false,
      input_schema: { type: 'object', properties: {}, additionalProperties: true },
      output_schema: { type: 'object', properties: { transform: {} }, additionalProperties: false },
    };
    expect(byId.body).toMatchObject(descriptor);
    expect(byId.body).not.toHaveProperty('workflow_id');

    // Its key (now shown) names the same workflow as a descriptor; the workflow's own id reads the extended shape.
    const key: string = byId.body.key;
    const described = await byKeyPath(key);
    expect(described).toMatchObject({ ...descriptor, key, workflow_id: v1.id, name: chain.name, version: 1, status: 'active' });
    // `version_id` is the version's own id; while current it reads as the workflow (seed 004's id).
    expect((await byKeyPath(described.version_id)).id).toBe(v1.id);
    expect(described).not.toHaveProperty('workflow_data');
    expect(await byKeyPath(described.workflow_id)).toEqual(byId.body);

    // A new version: the workflow's id and the key read it; version 1's own id reads version 1.
    const steps = {
      ...chain.steps,
      transform: { ...chain.steps.transform, next_step: 'load' },
      load: { ...chain.steps.extract, id: 'load', next_step: null },
    };
    const v2 = (await rest.put(`/api/v1/workflows/${v1.id}`, { steps })).body;
    expect(v2.version).toBe(2);
    const readV2 = await byKeyPath(v1.id);
    expect(readV2).toMatchObject({ ...v2, key, stages: [{ steps: ['extract'] }, { steps: ['transform'] }, { steps: ['load'] }] });
    const byKeyV2 = await byKeyPath(key);
    expect(byKeyV2).toMatchObject({ version: 2, workflow_id: v2.id });
    expect(await byKeyPath(described.version_id)).toMatchObject({
      ...descriptor,
      id: described.version_id,
      version: 1,
      status: 'inactive',
    });

    // Deleted: still readable by id (seed 004), no longer by key.
    expect((await rest.delete(`/api/v1/workflows/${v2.id}`)).status).toBe(200);
    expect(await byKeyPath(v1.id)).toMatchObject({ id: v2.id, status: 'deleted', key, steps: readV2.steps });
    expect(await byKeyPath(described.version_id)).toMatchObject({ id: described.version_id, version: 1, status: 'deleted' });
    expect((await rest.get(`/api/v1/workflows/${key}`)).status).toBe(404);
  });
});

describe('POST /api/v1/workflows/runs/{run_id}/cancel and /retry', () => {
  it('cancels a running run (its call in flight is aborted), then retries it to completion', async () => {
    hold = gate();
    const wf = await f.workflow('cancel-me', single(slow));
    const begun = advance();
    const run = dbId((await f.execute(wf.id)).id);
    const calls = slowAgent.calls.length;
    await eventually(() => slowAgent.calls.length === calls + 1, 'the slow agent is called');
    const aborted = slowAgent.aborted;
    const cancelledAt = advance(500);

    const cancelled = await rest.post(`/api/v1/workflows/runs/${run}/cancel`, { reason: 'user closed the chat' });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toEqual({
      id: run,
      workflow_key: wf.key,
      status: 'cancelled',
      started_at: begun,
      ended_at: cancelledAt,
      user_id: null,
      conversation_id: null,
      step_count: 1,
      duration_ms: 500,
      final_output_text: null,
    });
    await eventually(() => slowAgent.aborted === aborted + 1, 'the in-flight call is aborted');
    const graph = await waitForRun(t, run);
    expect(graph).toMatchObject({ status: 'CANCELLED', cancelReason: 'user closed the chat' });
    expect(graph.steps.map((s) => s.status)).toEqual(['CANCELLED']);
    expect((await rest.get(`/api/v1/runs/${run}`)).body).toMatchObject({
      status: 'CANCELLED',
      error_message: 'Cancelled: user closed the chat',
    });
    expect((await list(`workflow_key=${wf.key}&status=cancelled`)).items).toEqual([cancelled.body]);

    const again = await rest.post(`/api/v1/workflows/runs/${run}/cancel`);
    expect(again.status).toBe(400);
    expect(again.body.detail).toMatch(/is already cancelled; only pending or running runs can be cancelled$/);
    const badBody = await rest.post(`/api/v1/workflows/runs/${run}/cancel`, { reason: 5 });
    expect(badBody.status).toBe(422);
    expect(badBody.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'reason'] })]);

    hold.open();
    advance();
    const retried = await rest.post(`/api/v1/workflows/runs/${run}/retry`);
    expect(retried.status, retried.text).toBe(202);
    expect(retried.body).toMatchObject({ id: run, status: 'pending', ended_at: null, duration_ms: null, final_output_text: null });
    await finished(run);
    expect((await list(`workflow_key=${wf.key}`)).items[0]).toMatchObject({ status: 'completed', final_output_text: 'late' });
  });

  it('retries a failed run from its failed step; refuses runs that cannot be retried; 404 for unknown runs', async () => {
    flakyFails = true;
    const wf = await f.workflow('retry-me', single(flaky));
    advance();
    const run = dbId((await f.execute(wf.id)).id);
    await finished(run, 'FAILED');
    expect((await list(`workflow_key=${wf.key}`)).items[0]).toMatchObject({ status: 'failed', final_output_text: null });

    flakyFails = false;
    const retried = await rest.post(`/api/v1/workflows/runs/${run}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: run, workflow_key: wf.key, status: 'pending', ended_at: null, step_count: 1 });
    await finished(run);
    expect((await list(`workflow_key=${wf.key}`)).items[0]).toMatchObject({ status: 'completed', final_output_text: 'recovered' });

    const refused = await rest.post(`/api/v1/workflows/runs/${run}/retry`);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/is completed; only failed or cancelled runs can be retried$/);
    const unknown = '123e4567-e89b-12d3-a456-426614174000';
    for (const action of ['cancel', 'retry']) {
      const missing = await rest.post(`/api/v1/workflows/runs/${unknown}/${action}`);
      expect(missing.status, action).toBe(404);
      expect(missing.body.detail).toBe(`Run with id '${unknown}' not found`);
    }
  });
});

describe('conversation_id and user_id', () => {
  it('are stored from seed 004’s execute and from GraphQL, filterable here, and the run reads the same everywhere', async () => {
    const created = await rest.post('/api/v1/workflows', {
      name: 'chat-turn',
      start_step: 'answer',
      steps: { answer: { id: 'answer', agent_name: echo, next_step: null, input_mapping: { reply: '${workflow.input.message}' } } },
    });
    const versionId: string = created.body.id;
    const at = advance();
    const executed = await rest.post(`/api/v1/workflows/${versionId}/execute`, {
      input_data: { message: 'Hi!' },
      conversation_id: 'conv-42',
      user_id: 'user-7',
    });
    expect(executed.status, executed.text).toBe(202);
    const viaRest: string = executed.body.run_id;
    await finished(viaRest);
    const key: string = (await rest.get(`/api/v1/workflows/${versionId}`)).body.key;
    advance();
    const viaGraph = expectMember(
      (
        await t.ok(ExecuteWorkflowForConversationDocument, {
          workflowKey: key,
          input: { message: 'Again' },
          conversationId: 'conv-42',
          userId: 'user-8',
        })
      ).executeWorkflow,
      'Run',
    );
    expect(viaGraph).toMatchObject({ status: 'PENDING', conversationId: 'conv-42', userId: 'user-8' });
    await finished(dbId(viaGraph.id));

    const page = await list('conversation_id=conv-42');
    expect(page.items.map((i: Body) => [i.id, i.user_id, i.conversation_id, i.final_output_text])).toEqual([
      [dbId(viaGraph.id), 'user-8', 'conv-42', 'Again'],
      [viaRest, 'user-7', 'conv-42', 'Hi!'],
    ]);

    // The run seed 004 started, through seed 004, this list and GraphQL: one state.
    const item = page.items[1];
    const v1 = (await rest.get(`/api/v1/runs/${viaRest}`)).body;
    const graph = expectMember((await t.ok(RunContextDocument, { id: viaRest })).run, 'Run');
    expect(item).toMatchObject({ status: 'completed', started_at: at, ended_at: at, workflow_key: key, step_count: 1 });
    expect(v1).toMatchObject({ status: 'COMPLETED', created_at: item.started_at, completed_at: item.ended_at, workflow_id: key });
    expect(graph).toMatchObject({ status: 'COMPLETED', conversationId: 'conv-42', userId: 'user-7', workflow: { key } });
    expect([graph.createdAt, graph.completedAt].map((d) => new Date(d ?? '').toISOString())).toEqual([item.started_at, item.ended_at]);
    expect(graph.steps).toEqual([{ stepId: 'answer', status: 'COMPLETED' }]);
    expect(graph.outputs).toEqual({ answer: 'Hi!' });

    for (const body of [
      { input_data: {}, conversation_id: '' },
      { input_data: {}, user_id: 'u'.repeat(256) },
    ]) {
      const refused = await rest.post(`/api/v1/workflows/${versionId}/execute`, body);
      expect(refused.status).toBe(422);
    }
    const tooLong = await t.ok(ExecuteWorkflowForConversationDocument, { workflowKey: key, conversationId: 'c'.repeat(256) });
    expect(tooLong.executeWorkflow).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'conversationId' }] });
  });
});
