// The SDK's dashboard operations (sdk/operations/dashboard.graphql) through createFlowdeckClient
// against a real server on a loopback port: activity buckets and workspace totals over the runs
// a test made, a run's log filtered by step, a bulk cancel followed to its end by polling the
// job, and the workers list. Each fails if its operation is missing from the SDK or no longer
// matches the server's schema.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowdeckClient, type FlowdeckClient } from '../../sdk/src/client.ts';
import { getFragmentData } from '../../sdk/src/gql/fragment-masking.ts';
import {
  ActivityBucketFragmentDoc,
  BulkOperationProgressFragmentDoc,
  BulkRunOperationDocument,
  CancelRunsDocument,
  RunActivityDocument,
  RunLogLineFragmentDoc,
  RunLogsDocument,
  WorkersDocument,
  WorkspaceStatsDocument,
} from '../../sdk/src/gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let client: FlowdeckClient;
let f: ReturnType<typeof flows>;

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  const url = `${(await t.app.start()).url}/graphql`;
  client = createFlowdeckClient({ url, cache: 'document' });
  f = flows(t);
});
afterAll(async () => {
  await client?.dispose();
  await t?.close();
});

const ONE_STEP = { steps: [{ id: 'only', type: 'transform', expression: '"done"' }] };
const GATED = { steps: [{ id: 'gate', type: 'wait' }] };

/** A query's data, failing the test on a transport or GraphQL error. */
async function read<T>(promise: Promise<{ data?: T; error?: Error }>): Promise<T> {
  const result = await promise;
  if (result.error || !result.data) throw result.error ?? new Error('no data');
  return result.data;
}

describe('the SDK’s dashboard operations', () => {
  it('RunActivity and WorkspaceStats count the runs a workflow finished', async () => {
    const wf = await f.workflow('activity', ONE_STEP);
    for (let i = 0; i < 3; i++) await waitForRun(t, (await f.execute(wf.id)).id);
    const to = new Date(Date.now() + 60_000).toISOString();
    const from = new Date(Date.now() - 3_600_000).toISOString();

    const activity = (
      await read(client.query(RunActivityDocument, { bucket: 'HOUR', from, to, filter: { workflowId: wf.id } }).toPromise())
    ).runActivity;
    if (activity.__typename !== 'QueryRunActivitySuccess') throw new Error(`runActivity answered ${activity.__typename}`);
    const buckets = activity.data.map((bucket) => getFragmentData(ActivityBucketFragmentDoc, bucket));
    expect(buckets.reduce((sum, bucket) => sum + bucket.counts.completed, 0)).toBe(3);

    const stats = (await read(client.query(WorkspaceStatsDocument, { from, to }).toPromise())).workspaceStats;
    if (stats.__typename !== 'WorkspaceStats') throw new Error(`workspaceStats answered ${stats.__typename}`);
    expect(stats.counts.completed).toBeGreaterThanOrEqual(3);
    expect(stats.durationMs.count).toBeGreaterThanOrEqual(3);
  });

  it('RunLogs reads a run’s log lines for one step', async () => {
    const wf = await f.workflow('logs', ONE_STEP);
    const run = await waitForRun(t, (await f.execute(wf.id)).id);
    const answer = (await read(client.query(RunLogsDocument, { runId: run.id, first: 50, stepId: 'only' }).toPromise())).run;
    if (answer.__typename !== 'Run') throw new Error(`run answered ${answer.__typename}`);
    const lines = answer.logs.edges.map((edge) => getFragmentData(RunLogLineFragmentDoc, edge.node));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.stepId === 'only')).toBe(true);
    expect(lines.map((line) => line.kind)).toContain('STEP_COMPLETED');
  });

  it('CancelRuns starts a bulk job that BulkRunOperation follows to its end', async () => {
    const wf = await f.workflow('bulk', GATED);
    const runs = [await f.execute(wf.id), await f.execute(wf.id)];
    for (const run of runs) await waitForRun(t, run.id, (r) => r.steps.some((s) => s.status === 'WAITING'));
    const started = (
      await read(client.mutation(CancelRunsDocument, { input: { runs: { ids: runs.map((r) => r.id) }, reason: 'dashboard' } }).toPromise())
    ).cancelRuns;
    if (started.__typename !== 'BulkRunOperation') throw new Error(`cancelRuns answered ${started.__typename}`);
    let progress = getFragmentData(BulkOperationProgressFragmentDoc, started);
    expect(progress).toMatchObject({ kind: 'CANCEL', total: 2 });
    // Polled as a dashboard would, bounded only as a safety net.
    for (let polls = 0; progress.status !== 'COMPLETED' && polls < 400; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const job = (await read(client.query(BulkRunOperationDocument, { id: started.id }, { requestPolicy: 'network-only' }).toPromise()))
        .bulkRunOperation;
      if (job.__typename === 'BulkRunOperation') progress = getFragmentData(BulkOperationProgressFragmentDoc, job);
    }
    expect(progress).toMatchObject({ processed: 2, succeeded: 2, failed: 0 });
    for (const run of runs) expect((await waitForRun(t, run.id)).status).toBe('CANCELLED');
  });

  it('Workers lists this process’s worker', async () => {
    const answer = (await read(client.query(WorkersDocument, {}).toPromise())).workers;
    if (answer.__typename !== 'QueryWorkersSuccess') throw new Error(`workers answered ${answer.__typename}`);
    expect(answer.data.some((worker) => worker.alive && worker.concurrency > 0)).toBe(true);
  });
});
