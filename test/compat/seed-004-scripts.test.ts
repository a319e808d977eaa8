// Seed 004's five "Common Workflows" shell scripts (test/compat/scripts/*.sh, copied verbatim),
// run for real with bash, curl and jq against a listening test server. Each script's header
// lists the substitutions made here (base URL, agent URLs, fixed ids, long sleeps) and nothing
// else changes. After each script, the final state is read back through REST.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gate, startHttpAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Body, type RestClient, restClient } from '../support/rest.ts';
import { dataAgent, type DataAgent, startEtlAgents, waitForStatus } from './seed-004-shapes.ts';

const MARKER = '# ---- seed 004 text below ----\n';
const SCRIPT_TIMEOUT_MS = 15_000;
const SHORT_SLEEP = 'sleep 0.05';

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let t: TestApp;
let rest: RestClient;
let base: string;
let workdir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  const missing = ['bash', 'curl', 'jq'].filter((tool) => spawnSync('bash', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} not found: these tests run seed 004's shell scripts for real. Run .ci/run's install step: ` +
        '`command -v jq >/dev/null && command -v curl >/dev/null || (apt-get update && apt-get install -y jq curl)`',
    );
  }
});
beforeEach(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50' });
  rest = restClient(t);
  base = (await t.app.start()).url;
  workdir = await mkdtemp(join(tmpdir(), 'flowdeck-seed-004-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await t?.close();
  await rm(workdir, { recursive: true, force: true });
});

async function agent(reply: Parameters<typeof dataAgent>[0]): Promise<DataAgent> {
  const started = await dataAgent(reply);
  cleanups.push(() => started.close());
  return started;
}

async function etlAgents() {
  const agents = await startEtlAgents();
  cleanups.push(() => agents.close());
  return agents;
}

/**
 * Runs test/compat/scripts/<name>.sh after replacing each `[from, to]` in the seed text (each
 * must occur, so a script edited out of step with its substitutions fails loudly), plus the
 * base URL. The whole process group is killed after SCRIPT_TIMEOUT_MS.
 */
async function runScript(name: string, substitutions: [string, string][], env: Record<string, string> = {}): Promise<ScriptResult> {
  const source = await readFile(new URL(`./scripts/${name}.sh`, import.meta.url), 'utf8');
  const at = source.indexOf(MARKER);
  expect(at, `${name}.sh has no marker line`).toBeGreaterThan(0);
  let body = source.slice(at + MARKER.length);
  for (const [from, to] of [['http://localhost:8000', base], ...substitutions] as [string, string][]) {
    expect(body.includes(from), `${name}.sh no longer contains ${from}`).toBe(true);
    body = body.replaceAll(from, () => to);
  }
  const file = join(workdir, `${name}.sh`);
  await writeFile(file, source.slice(0, at + MARKER.length) + body);
  const child = spawn('bash', [file], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group ended on its own meanwhile
    }
  }, SCRIPT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const result = { code, stdout, stderr };
  const output = `${stdout.length > 3000 ? `…${stdout.slice(-3000)}` : stdout}\n${stderr.slice(-2000)}`;
  expect(timedOut, `${name}.sh did not finish within ${SCRIPT_TIMEOUT_MS} ms:\n${output}`).toBe(false);
  expect(code, `${name}.sh exited ${code}:\n${output}`).toBe(0);
  // No `set -e` in the guide's scripts: a failed jq or curl would not change the exit code.
  expect(stderr, `${name}.sh reported errors`).not.toMatch(/jq: error|parse error|curl: \(\d+\)/);
  return result;
}

async function created(path: string, body: unknown): Promise<Body> {
  const response = await rest.post(path, body);
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/** The guide's "data-pipeline" (Workflow 1, step 2), created through REST for the other scripts. */
async function dataPipeline(): Promise<string> {
  const wf = await created('/api/v1/workflows', {
    name: 'data-pipeline',
    description: 'ETL pipeline',
    start_step: 'extract',
    steps: {
      extract: {
        id: 'extract',
        agent_name: 'DataExtractorAgent',
        next_step: 'transform',
        input_mapping: { source: '${workflow.input.source}' },
      },
      transform: {
        id: 'transform',
        agent_name: 'DataTransformerAgent',
        next_step: null,
        input_mapping: { data: '${extract.output.data}' },
      },
    },
  });
  return wf.id as string;
}

const registered = (name: string, url: string, extra: Record<string, unknown> = {}) => created('/api/v1/agents', { name, url, ...extra });

describe("seed 004's Common Workflows, run with bash + curl + jq", () => {
  it('1. Complete Setup and Execution: agents, workflow, run to COMPLETED, step details', async () => {
    const etl = await etlAgents();
    const out = await runScript('1-setup-and-execution', [
      ['http://extractor:8080', etl.extractor.url],
      ['http://transformer:8080', etl.transformer.url],
      ['sleep 5', SHORT_SLEEP],
    ]);
    const runId = /^Started run: (\S+)$/m.exec(out.stdout)?.[1];
    expect(runId, out.stdout).toBeDefined();
    expect(out.stdout).toMatch(/^Created agents: [\w-]+, [\w-]+$/m);
    expect(out.stdout).toMatch(/^Created workflow: [\w-]+$/m);
    expect(
      out.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('Run status: '))
        .at(-1),
    ).toBe('Run status: COMPLETED');
    expect(out.stdout).toContain('"step_id": "transform"');

    const run = (await rest.get(`/api/v1/runs/${runId}`)).body;
    expect(run).toMatchObject({
      status: 'COMPLETED',
      input_data: { source: 'https://api.example.com/data' },
      workflow_name: 'data-pipeline',
    });
    const steps = (await rest.get(`/api/v1/runs/${runId}/steps`)).body as Body[];
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform', 'COMPLETED'],
    ]);
    expect(etl.extractor.inputs).toHaveLength(1);
    expect(etl.transformer.inputs).toHaveLength(1);
  });

  it('2. Monitor and Retry Failed Runs: the FAILED run is listed, retried, and ends COMPLETED without redoing done steps', async () => {
    const etl = await etlAgents();
    const flaky = await agent((_input, call) => {
      if (call === 1) throw new Error('Connection timeout');
      return { data: { ok: true } };
    });
    await registered('DataExtractorAgent', etl.extractor.url);
    await registered('DataTransformerAgent', flaky.url, { retry_config: { max_retries: 0 } });
    const workflowId = await dataPipeline();
    const started = await rest.post(`/api/v1/workflows/${workflowId}/execute`, { input_data: { source: 'https://api.example.com/data' } });
    expect(started.status, started.text).toBe(202);
    const failed = await waitForStatus(rest, started.body.run_id, ['COMPLETED', 'FAILED', 'CANCELLED']);
    expect(failed.status).toBe('FAILED');

    const out = await runScript(
      '2-monitor-and-retry',
      [
        ['RUN_ID="run-789e0123-e89b-12d3-a456-426614174000"', 'RUN_ID="${RUN_ID:?set by the test}"'],
        ['sleep 5', SHORT_SLEEP],
      ],
      { RUN_ID: failed.id },
    );
    const listing = out.stdout.slice(0, out.stdout.indexOf('Getting details for run:'));
    expect(listing).toContain(`"run_id": "${failed.id}"`);
    expect(listing).toContain('"error_message": "Step \'transform\' failed: ');
    expect(out.stdout).toMatch(/"step_id": "transform",\s*"status": "FAILED"/);
    expect(out.stdout.trim().split('\n').at(-1)).toBe('Retry status: COMPLETED');

    expect((await rest.get(`/api/v1/runs/${failed.id}`)).body).toMatchObject({ status: 'COMPLETED', error_message: null });
    const steps = (await rest.get(`/api/v1/runs/${failed.id}/steps`)).body as Body[];
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([
      ['extract', 'COMPLETED'],
      ['transform', 'COMPLETED'],
    ]);
    expect(etl.extractor.inputs, 'the completed extract step is not called again').toHaveLength(1);
    expect(flaky.inputs).toHaveLength(2);
  });

  it('3. Update Workflow Version: the version increments and the versions are listed newest first', async () => {
    const etl = await etlAgents();
    await registered('DataExtractorAgent', etl.extractor.url);
    await registered('DataTransformerAgent', etl.transformer.url);
    await registered('DataValidatorAgent', etl.validator.url);
    const workflowId = await dataPipeline();

    const out = await runScript(
      '3-update-version',
      [['WORKFLOW_ID="456e7890-e89b-12d3-a456-426614174000"', 'WORKFLOW_ID="${WORKFLOW_ID:?set by the test}"']],
      { WORKFLOW_ID: workflowId },
    );
    const [current, updated, versions] = [
      out.stdout.slice(0, out.stdout.indexOf('Updating workflow...')),
      out.stdout.slice(out.stdout.indexOf('Updating workflow...'), out.stdout.indexOf('All versions:')),
      out.stdout.slice(out.stdout.indexOf('All versions:')),
    ];
    expect(current).toMatch(/"name": "data-pipeline",\s*"version": 1,\s*"status": "active"/);
    expect(updated).toMatch(/"name": "data-pipeline",\s*"version": 2,\s*"status": "active"/);
    expect([...versions.matchAll(/"version": (\d+)/g)].map((m) => Number(m[1]))).toEqual([2, 1]);

    const workflow = (await rest.get(`/api/v1/workflows/${workflowId}`)).body;
    expect(workflow).toMatchObject({ version: 2, description: 'Updated ETL pipeline with validation step' });
    expect(Object.keys(workflow.workflow_data.steps).sort()).toEqual(['extract', 'transform', 'validate']);
    const listed = (await rest.get(`/api/v1/workflows/${workflowId}/versions`)).body;
    expect(listed.items.map((v: Body) => v.version)).toEqual([2, 1]);
  });

  it('4. Cancel Long-Running Workflow: the RUNNING run ends CANCELLED with the reason', async () => {
    const etl = await etlAgents();
    const held = gate();
    cleanups.push(() => held.open());
    const slow = await agent(async () => {
      await held.wait;
      return { data: null };
    });
    await registered('DataExtractorAgent', slow.url, { timeout_ms: 60000 });
    await registered('DataTransformerAgent', etl.transformer.url);
    const workflowId = await dataPipeline();

    const out = await runScript(
      '4-cancel',
      [
        ['WORKFLOW_ID="456e7890-e89b-12d3-a456-426614174000"', 'WORKFLOW_ID="${WORKFLOW_ID:?set by the test}"'],
        ['sleep 10', SHORT_SLEEP],
      ],
      { WORKFLOW_ID: workflowId },
    );
    const runId = /^Started run: (\S+)$/m.exec(out.stdout)?.[1];
    expect(out.stdout).toMatch(/^Current status: (RUNNING|PENDING)$/m);
    expect(out.stdout).toContain('Cancelling run...');
    expect(out.stdout).toMatch(/"status": "CANCELLED",\s*"cancelled_at": "[^"]+",\s*"cancelled_by": "system",/);

    const run = (await rest.get(`/api/v1/runs/${runId}`)).body;
    expect(run).toMatchObject({
      status: 'CANCELLED',
      cancelled_at: expect.any(String),
      cancelled_by: 'system',
      error_message: 'Cancelled: Dataset too large, need to optimize first',
    });
    expect(etl.transformer.inputs, 'nothing runs after the cancel').toHaveLength(0);
  });

  it('5. Health Check All Agents: each active agent reported healthy or unhealthy as it behaves', async () => {
    const healthy = await agent(() => ({}));
    const gone = await startHttpAgent(() => ({}));
    await gone.close();
    const failing = createServer((_req, res) => res.writeHead(503).end('down'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => failing.close(() => resolve())));
    await registered('HealthyAgent', healthy.url);
    await registered('UnreachableAgent', gone.url, { timeout_ms: 1000 });
    await registered('FailingAgent', `http://127.0.0.1:${(failing.address() as AddressInfo).port}`);
    const paused = await registered('PausedAgent', healthy.url);
    expect((await rest.put(`/api/v1/agents/${paused.id}`, { status: 'inactive' })).status).toBe(200);

    const out = await runScript('5-health-check-agents', []);
    expect(out.stdout).toMatch(/^ {2}✓ HealthyAgent is healthy \(\d+(\.\d+)?ms\)$/m);
    expect(out.stdout).toMatch(/^ {2}✗ UnreachableAgent is unhealthy: \S.*$/m);
    expect(out.stdout).toMatch(/^ {2}✗ FailingAgent is unhealthy: \S.*$/m);
    expect(out.stdout).not.toContain('PausedAgent');
    expect(out.stdout.match(/^Checking agent: /gm)).toHaveLength(3);
  });
});
