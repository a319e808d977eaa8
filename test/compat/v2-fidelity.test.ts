// Seed 003 (/api/v2/workflows) in its own words: `created_by` is the creating user (l.123, 180,
// 227), parsing answers `"source": "ai-generated"` for the LLM's work (l.78), and refusals name
// what v2 callers know: run statuses running/completed/failed/terminated, workflow statuses
// active/archived, and the fields as they sent them (`cron_expression`). Every answer is checked
// against /openapi.json by the REST client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, bearer, mintToken } from '../support/auth.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';
import { AWAITS_APPROVAL, BASE, DEPLOY_NOTIFICATION, expectFailure, expectWorkflow } from './v2-fixtures.ts';
import { type ScriptedLlm, startAppWithLlm, startScriptedLlm } from '../support/scripted-llm.ts';

/** The seed's tenant and user ids (its examples show the same UUID for both). */
const CUSTOMER = '8f3a2b1c-4d5e-6f7a-8b9c-0d1e2f3a4b5c';
const CREATOR = '0b7c9d4e-1f2a-4b3c-8d5e-6f7a8b9c0d1e';
const COLLEAGUE = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';

const SEED_INSTRUCTION = 'Every Monday at 9am, pull the latest sales data, generate a summary report, and email it to the sales team.';
const SEED_TOOLS = ['salesforce.query', 'email.send'];

let counter = 0;
const unique = (prefix: string) => `${prefix} ${++counter}`;

/** A one-node workflow that completes at once, or fails at once when `fail`. */
const transform = (name: string, fail = false) => ({
  name,
  definition: { nodes: [{ id: 'work', type: 'transform', config: { expression: fail ? '$error("boom")' : '{"ok": true}' } }] },
});

describe('created_by: the creating user (AUTH_MODE=required, a JWT)', () => {
  let t: TestApp;
  let rest: RestClient;
  let creator: Record<string, string>;
  let colleague: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({}, authEnv);
    rest = restClient(t);
    creator = bearer(await mintToken({ sub: CREATOR, customer_id: CUSTOMER }));
    colleague = bearer(await mintToken({ sub: COLLEAGUE, customer_id: CUSTOMER }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('POST /api/v2/workflows answers 201 with "created_by": the caller (the token sub), whatever the body says', async () => {
    const created = await rest.post(BASE, { ...AWAITS_APPROVAL('Deploy Approval'), created_by: 'mallory' }, { headers: creator });
    expect(created.status, created.text).toBe(201);
    expectWorkflow(created.body.workflow);
    expect(created.body.workflow).toMatchObject({ customer_id: CUSTOMER, created_by: CREATOR });
  });

  it('GET /api/v2/workflows/:id and GET /api/v2/workflows show the creator to anyone of the tenant', async () => {
    const id = (await rest.post(BASE, AWAITS_APPROVAL(unique('Owned')), { headers: creator })).body.workflow.id;
    const got = await rest.get(`${BASE}/${id}`, { headers: colleague });
    expect(got.status, got.text).toBe(200);
    expect(got.body.workflow).toMatchObject({ id, created_by: CREATOR });

    const theirs = (await rest.post(BASE, AWAITS_APPROVAL(unique('Theirs')), { headers: colleague })).body.workflow;
    expect(theirs.created_by).toBe(COLLEAGUE);
    const listed = await rest.get(`${BASE}?status=active&limit=10`, { headers: creator });
    expect(listed.status, listed.text).toBe(200);
    const byId = new Map(listed.body.workflows.map((w: Body) => [w.id, w.created_by]));
    expect(byId.get(id)).toBe(CREATOR);
    expect(byId.get(theirs.id)).toBe(COLLEAGUE);
  });

  it('editing does not change the creator', async () => {
    const id = (await rest.post(BASE, AWAITS_APPROVAL(unique('Edited')), { headers: creator })).body.workflow.id;
    expect((await rest.patch(`${BASE}/${id}`, { description: 'changed by a colleague' }, { headers: colleague })).status).toBe(200);
    expect((await rest.get(`${BASE}/${id}`, { headers: creator })).body.workflow.created_by).toBe(CREATOR);
  });
});

describe('without authentication (AUTH_MODE=none)', () => {
  let t: TestApp;
  let rest: RestClient;

  beforeAll(async () => {
    t = await startTestApp({}, { WORKER_POLL_MS: '50' });
    rest = restClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('created_by is null: nobody is signed in', async () => {
    const created = await rest.post(BASE, AWAITS_APPROVAL(unique('Anonymous')));
    expect(created.status, created.text).toBe(201);
    expect(created.body.workflow.created_by).toBeNull();
    const { id } = created.body.workflow;
    expect((await rest.get(`${BASE}/${id}`)).body.workflow.created_by).toBeNull();
    const listed = (await rest.get(BASE)).body.workflows.find((w: Body) => w.id === id);
    expect(listed.created_by).toBeNull();
  });

  it('POST /api/v2/workflows/parse without an LLM: "source" is "deterministic", a value of the documented enum', async () => {
    const parsed = await rest.post(`${BASE}/parse`, { instruction: SEED_INSTRUCTION, context: { availableTools: SEED_TOOLS } });
    expect(parsed.status, parsed.text).toBe(200);
    expect(parsed.body.workflow.source).toBe('deterministic');
    const doc = (await rest.openapi()) as unknown as { components: { schemas: Record<string, Body> } };
    expect(doc.components.schemas.V2ParseResponse.properties.workflow.properties.source.enum).toEqual([
      'ai-generated',
      'deterministic',
      'llm-fallback',
    ]);
  });

  describe('DELETE /api/v2/workflows/:id/runs/:runId "Returns 400 if the run is already in a terminal state", in v2 words', () => {
    async function runTo(body: object, status: string): Promise<{ workflowId: string; runId: string }> {
      const workflowId = (await rest.post(BASE, body)).body.workflow.id;
      const run = await rest.post(`${BASE}/${workflowId}/execute`, {});
      expect(run.status, run.text).toBe(201);
      await waitForRun(t, run.body.run.id);
      expect((await rest.get(`${BASE}/${workflowId}/runs/${run.body.run.id}`)).body.run.status).toBe(status);
      return { workflowId, runId: run.body.run.id };
    }

    for (const [status, fail] of [
      ['completed', false],
      ['failed', true],
    ] as const) {
      it(`a ${status} run: "already ${status}", never the engine status`, async () => {
        const { workflowId, runId } = await runTo(transform(unique(status), fail), status);
        const refused = await rest.delete(`${BASE}/${workflowId}/runs/${runId}`);
        expectFailure(refused, 400);
        expect(refused.body.error).toBe(`Workflow run '${runId}' is already ${status}; only running runs can be terminated`);
        expect(refused.body.detail).toBe(refused.body.error);
      });
    }

    it('a terminated run: "already terminated" (not CANCELLED)', async () => {
      const workflowId = (await rest.post(BASE, AWAITS_APPROVAL(unique('Stopped')))).body.workflow.id;
      const runId = (await rest.post(`${BASE}/${workflowId}/execute`, {})).body.run.id;
      expect((await rest.delete(`${BASE}/${workflowId}/runs/${runId}`)).status).toBe(200);
      const again = await rest.delete(`${BASE}/${workflowId}/runs/${runId}`);
      expectFailure(again, 400);
      expect(again.body.error).toBe(`Workflow run '${runId}' is already terminated; only running runs can be terminated`);
    });
  });

  it('POST /api/v2/workflows/:id/execute on an archived workflow: 400 saying "archived", not ARCHIVED', async () => {
    const id = (await rest.post(BASE, AWAITS_APPROVAL(unique('Retired')))).body.workflow.id;
    expect((await rest.patch(`${BASE}/${id}`, { status: 'archived' })).body.workflow.status).toBe('archived');
    const refused = await rest.post(`${BASE}/${id}/execute`, {});
    expectFailure(refused, 400);
    expect(refused.body.error).toBe(`Workflow '${id}' is archived; only active workflows can be executed`);
  });

  it('schedules: "cron_expression | string | Yes" — a bad one is named cron_expression, as sent', async () => {
    const id = (await rest.post(BASE, AWAITS_APPROVAL(unique('Scheduled')))).body.workflow.id;
    const url = `${BASE}/${id}/schedules`;
    for (const cron_expression of ['0 9 * *', '61 9 * * 1']) {
      const refused = await rest.post(url, { cron_expression, timezone: 'America/New_York' });
      expectFailure(refused, 400);
      expect(refused.body.error).toMatch(new RegExp(`^cron_expression: "${cron_expression.replace(/\*/g, '\\*')}"`));
      expect(refused.text).not.toContain('cronExpression');
    }
    const both = await rest.post(url, { cron_expression: '0 9 * *', timezone: 'Mars/Olympus_Mons' });
    expectFailure(both, 400);
    expect(both.body.error).toMatch(/^cron_expression: .* \(and 1 more problem\)$/);
    const zone = await rest.post(url, { cron_expression: '0 9 * * 1', timezone: 'Mars/Olympus_Mons' });
    expect(zone.body.error).toMatch(/^timezone: "Mars\/Olympus_Mons"/);
    const long = await rest.post(url, { cron_expression: `0 9 * * ${'1,'.repeat(100)}1` });
    expectFailure(long, 400);
    expect(long.body.detail.map((d: Body) => d.loc)).toEqual([['body', 'cron_expression']]);

    const schedule = (await rest.post(url, { cron_expression: '0 9 * * 1' })).body.schedule;
    const patched = await rest.patch(`${url}/${schedule.id}`, { cron_expression: 'every monday' });
    expectFailure(patched, 400);
    expect(patched.body.error).toMatch(/^cron_expression: "every monday"/);
    expect((await rest.get(url)).body.schedules.map((s: Body) => s.cron_expression)).toEqual(['0 9 * * 1']);
  });

  it('an unknown workspace on a v2 path is a 400 in the v2 envelope (success: false)', async () => {
    const headers = { 'X-Workspace-Slug': 'no-such-workspace' };
    for (const call of [
      () => rest.get(BASE, { headers }),
      () => rest.post(BASE, DEPLOY_NOTIFICATION, { headers }),
      () => rest.get(`${BASE}?workspace_slug=no-such-workspace`),
    ]) {
      const refused = await call();
      expectFailure(refused, 400);
      expect(refused.body.error).toMatch(/no-such-workspace/);
    }
  });
});

describe('POST /api/v2/workflows/parse with the LLM parser (a local fake model)', () => {
  let llm: ScriptedLlm;
  let t: TestApp;
  let rest: RestClient;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    t = await startAppWithLlm(llm.url, { model: 'fake-model' });
    rest = restClient(t);
  });
  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  it('the documented example: the LLM\'s answer reads "source": "ai-generated"', async () => {
    llm.reply = {
      status: 200,
      content: JSON.stringify({
        name: 'Weekly Sales Report',
        description: 'Pull sales data, generate summary, and email to team',
        steps: [
          { id: 'step_1', type: 'agent', agent: 'salesforce.query', input: { query: 'SELECT Id, Amount FROM Opportunity' } },
          { id: 'step_2', type: 'agent', agent: 'email.send', dependsOn: ['step_1'], input: { body: '${step_1.output}' } },
        ],
      }),
    };
    const parsed = await rest.post(`${BASE}/parse`, { instruction: SEED_INSTRUCTION, context: { availableTools: SEED_TOOLS } });
    expect(parsed.status, parsed.text).toBe(200);
    expect(parsed.body).toMatchObject({
      success: true,
      workflow: { type: 'generated', name: 'Weekly Sales Report', source: 'ai-generated', valid: true },
      parseTimeMs: expect.any(Number),
    });
    expect(parsed.body.workflow.steps.map((s: Body) => s.action)).toEqual(['salesforce.query', 'email.send']);
  });

  it('when the LLM fails, the built-in parser answers and says so: "source": "llm-fallback"', async () => {
    llm.reply = { status: 500 };
    const parsed = await rest.post(`${BASE}/parse`, { instruction: SEED_INSTRUCTION, context: { availableTools: SEED_TOOLS } });
    expect(parsed.status, parsed.text).toBe(200);
    expect(parsed.body.workflow).toMatchObject({ source: 'llm-fallback', name: expect.stringMatching(/Sales/) });
  });
});
