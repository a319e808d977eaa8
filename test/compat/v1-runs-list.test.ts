// Seed 004's run listing (GET /api/v1/runs: filters, sorts, pages) and run logs
// (GET /api/v1/runs/{run_id}/logs, read from the run's event log), over runs of real local
// agents started through GraphQL; every REST answer is checked against /openapi.json.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateWorkflowDocument } from '../gql/graphql.ts';
import { AgentReply } from '../support/agents.ts';
import { dbId, expectMember } from '../support/flows.ts';
import type { Body } from '../support/rest.ts';
import { waitForRun } from '../support/runs.ts';
import { chain, v1RunFixture, type V1RunFixture } from '../support/v1-runs.ts';

let x: V1RunFixture;
beforeAll(async () => {
  x = await v1RunFixture();
});
afterAll(async () => {
  await x?.close();
});

describe('GET /api/v1/runs', () => {
  it('filters by workflow key, version, status and creation time, sorts, and numbers pages', async () => {
    let fail = false;
    const worker = await x.agent('lister', () => (fail ? new AgentReply(500, { error: 'boom' }) : { ok: true }));
    const step = (id: string) => ({ [id]: { id, agent_name: worker.name, next_step: null, input_mapping: {} } });
    const wf = await x.workflow(chain(step('one'), 'one'));
    const other = await x.workflow(chain(step('one'), 'one'));

    const ok1 = await x.start(wf, { n: 1 });
    await x.finished(ok1);
    fail = true;
    const failed = await x.start(wf, { n: 2 });
    await x.finished(failed);
    fail = false;
    const updated = expectMember(
      (await x.t.ok(UpdateWorkflowDocument, { id: wf.id, input: { definition: chain(step('two'), 'two') } })).updateWorkflow,
      'Workflow',
    );
    const v2 = dbId(updated.latestVersion?.id ?? '');
    const ok2 = await x.start(wf, { n: 3 });
    await x.finished(ok2);
    const elsewhere = await x.start(other);
    await x.finished(elsewhere);
    const held = await x.workflow({ steps: [{ id: 'gate', type: 'wait' }] });
    const active = await x.start(held);
    await waitForRun(x.t, active, (r) => r.status === 'RUNNING');

    const ids = async (query: string) => {
      const response = await x.rest.get(`/api/v1/runs?${query}`);
      expect(response.status, query).toBe(200);
      return (response.body.items as Body[]).map((r) => r.id);
    };
    const byKey = await x.rest.get(`/api/v1/runs?workflow_id=${wf.key}`);
    expect(byKey.body).toMatchObject({ total: 3, page: 1, page_size: 20, total_pages: 1 });
    // Newest first by default.
    expect(byKey.body.items.map((r: Body) => r.id)).toEqual([ok2, failed, ok1]);
    expect(byKey.body.items.every((r: Body) => r.workflow_id === wf.key && r.workflow_name === wf.name)).toBe(true);
    expect(await ids(`workflow_id=${other.key}`)).toEqual([elsewhere]);
    expect(await ids(`workflow_id=no-such-workflow`)).toEqual([]);

    expect(await ids(`workflow_definition_id=${wf.versionId}&sort_order=asc`)).toEqual([ok1, failed]);
    expect(await ids(`workflow_definition_id=${v2}`)).toEqual([ok2]);
    expect(await ids(`workflow_id=${wf.key}&status=FAILED`)).toEqual([failed]);
    expect(await ids(`workflow_id=${wf.key}&status=COMPLETED&sort_by=created_at&sort_order=asc`)).toEqual([ok1, ok2]);

    const created = Object.fromEntries(byKey.body.items.map((r: Body) => [r.id, r.created_at as string]));
    expect(await ids(`workflow_id=${wf.key}&created_after=${created[ok1]}`)).toEqual([ok2, failed]);
    // The same instant without a zone (read as UTC), and with an explicit offset.
    const naive = (created[ok1] as string).replace(/Z$/, '');
    expect(await ids(`workflow_id=${wf.key}&created_after=${naive}`)).toEqual([ok2, failed]);
    expect(await ids(`workflow_id=${wf.key}&created_after=${encodeURIComponent(`${naive}+00:00`)}`)).toEqual([ok2, failed]);
    expect(await ids(`workflow_id=${wf.key}&created_before=${created[ok2]}&sort_order=asc`)).toEqual([ok1, failed]);
    expect(await ids(`workflow_id=${wf.key}&created_after=2999-01-01`)).toEqual([]);

    // completed_at puts the unfinished run last, whichever the direction.
    const scope = [ok1, failed, active];
    const byCompletion = async (order: string) =>
      (await ids(`sort_by=completed_at&sort_order=${order}&page_size=100`)).filter((id) => scope.includes(id));
    expect(await byCompletion('asc')).toEqual([ok1, failed, active]);
    expect(await byCompletion('desc')).toEqual([failed, ok1, active]);

    // Status sorts alphabetically, deterministically (the same answer every time).
    const byStatus = await x.rest.get(`/api/v1/runs?sort_by=status&sort_order=asc&page_size=100`);
    const statuses = byStatus.body.items.map((r: Body) => r.status as string);
    expect(statuses).toEqual([...statuses].sort());
    expect(statuses).toContain('RUNNING');
    expect(await ids(`sort_by=status&sort_order=asc&page_size=100`)).toEqual(byStatus.body.items.map((r: Body) => r.id));

    // Pages: page_size 2 over the workflow's three runs.
    const page1 = await x.rest.get(`/api/v1/runs?workflow_id=${wf.key}&page=1&page_size=2`);
    const page2 = await x.rest.get(`/api/v1/runs?workflow_id=${wf.key}&page=2&page_size=2`);
    expect(page1.body).toMatchObject({ total: 3, page: 1, page_size: 2, total_pages: 2 });
    expect(page2.body).toMatchObject({ total: 3, page: 2, page_size: 2, total_pages: 2 });
    expect([...page1.body.items, ...page2.body.items].map((r: Body) => r.id)).toEqual([ok2, failed, ok1]);
    await x.rest.post(`/api/v1/runs/${active}/cancel`, {});
  });

  it('answers 422 with pydantic-style details for bad query parameters', async () => {
    const status = await x.rest.get('/api/v1/runs?status=DONE');
    expect(status.status).toBe(422);
    expect(status.body.detail[0]).toMatchObject({ type: 'enum', loc: ['query', 'status'], input: 'DONE' });
    const when = await x.rest.get('/api/v1/runs?created_after=yesterday');
    expect(when.status).toBe(422);
    expect(when.body.detail[0].loc).toEqual(['query', 'created_after']);
    const sort = await x.rest.get('/api/v1/runs?sort_by=name');
    expect(sort.status).toBe(422);
    const size = await x.rest.get('/api/v1/runs?page_size=101');
    expect(size.status).toBe(422);
    expect(size.body.detail[0]).toMatchObject({ type: 'less_than_equal', loc: ['query', 'page_size'] });
  });
});

describe('GET /api/v1/runs/{run_id}/logs', () => {
  it('lists agent log lines, attempts and errors in sequence order, by page or after a sequence number', async () => {
    let calls = 0;
    const flaky = await x.agent('flaky', () => {
      calls += 1;
      if (calls === 1) return new AgentReply(503, { error: 'warming up' });
      return { rows: 3, logs: [{ level: 'warn', message: 'source is slow', data: { ms: 900 } }, 'fetched 3 rows'] };
    });
    const broken = await x.agent('broken-logs', () => new AgentReply(500, { error: 'disk full' }));
    const wf = await x.workflow(
      chain(
        {
          fetch: {
            id: 'fetch',
            agent_name: flaky.name,
            next_step: 'store',
            input_mapping: {},
            retry_config: { max_retries: 1, initial_delay_ms: 0, max_delay_ms: 0 },
          },
          store: { id: 'store', agent_name: broken.name, next_step: null, input_mapping: {} },
        },
        'fetch',
      ),
    );
    const runId = await x.start(wf);
    await x.finished(runId);

    const all = await x.rest.get(`/api/v1/runs/${runId}/logs?page_size=1000`);
    expect(all.status).toBe(200);
    const entries = all.body.items as Body[];
    expect(all.body).toMatchObject({ run_id: runId, total: entries.length, page: 1, page_size: 1000, total_pages: 1 });
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    const view = entries.map((e) => [e.type, e.step_id, e.attempt, e.level]);
    expect(view).toEqual([
      ['run.created', null, null, 'info'],
      ['run.started', null, null, 'info'],
      ['step.started', 'fetch', 1, 'info'],
      ['step.retry_scheduled', 'fetch', 1, 'warning'],
      ['step.started', 'fetch', 2, 'info'],
      ['step.log', 'fetch', 2, 'warning'],
      ['step.log', 'fetch', 2, 'info'],
      ['step.completed', 'fetch', 2, 'info'],
      ['step.started', 'store', 1, 'info'],
      ['step.failed', 'store', 1, 'error'],
      ['run.failed', null, null, 'error'],
    ]);
    expect(entries[5]).toMatchObject({ message: 'source is slow', data: { level: 'warn', message: 'source is slow', data: { ms: 900 } } });
    expect(entries[6].message).toBe('fetched 3 rows');
    expect(entries[3].message).toMatch(/^Step 'fetch' failed \(attempt 1\): .*503/);
    expect(entries[9].message).toMatch(/^Step 'store' failed \(attempt 1\): .*500/);
    const run = await x.rest.get(`/api/v1/runs/${runId}`);
    expect(entries[10].message).toBe(`Run failed: ${(entries[10].data as { message: string }).message}`);
    expect(run.body.error_message).toMatch(/^Step 'store' failed: /);
    for (const entry of entries) expect(Date.parse(entry.timestamp)).not.toBeNaN();

    // Numbered pages cover the log exactly once.
    const pages: Body[] = [];
    for (let page = 1; page <= 4; page++) {
      const response = await x.rest.get(`/api/v1/runs/${runId}/logs?page=${page}&page_size=3`);
      expect(response.body).toMatchObject({ total: 11, page, page_size: 3, total_pages: 4 });
      pages.push(...response.body.items);
    }
    expect(pages).toEqual(entries);

    // after_seq reads only what follows, and counts from there.
    const tail = await x.rest.get(`/api/v1/runs/${runId}/logs?after_seq=8`);
    expect(tail.body).toMatchObject({ total: 3, page: 1, page_size: 100, total_pages: 1 });
    expect(tail.body.items).toEqual(entries.slice(8));
    expect((await x.rest.get(`/api/v1/runs/${runId}/logs?after_seq=11`)).body.items).toEqual([]);
    expect((await x.rest.get(`/api/v1/runs/${runId}/logs?after_seq=-1`)).status).toBe(422);
  });
});
