// The run console in a real browser (Debian's chromium through playwright-core) against a real
// server and database: the console is built from the current sources, served by the server at
// /console, and driven by accessible names the way a person (or a screen reader) finds things.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAgentDocument, CreateWorkflowDocument, ExecuteWorkflowDocument, SignalRunDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, mintToken } from '../support/auth.ts';
import { buildConsole, type ConsoleBuild, launchBrowser, pageProblems, screenshot, tableRows, until } from '../support/browser.ts';
import { expectMember, flows } from '../support/flows.ts';
import { eventually, waitForRun } from '../support/runs.ts';

let build: ConsoleBuild;
let browser: Browser;

beforeAll(async () => {
  build = await buildConsole();
  console.info(`console built in ${build.ms} ms`);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await build?.remove();
});

/** An approval flow: a transform, a wait step for a signal, then a transform of the signal. */
const approval = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '{"ticket": "T-1"}' },
    { id: 'approve', type: 'wait', dependsOn: ['prepare'] },
    { id: 'finish', type: 'transform', dependsOn: ['approve'], expression: '"done"' },
  ],
};

/** A fan-out and fan-in before the wait: a DAG worth a picture (the README shows it). */
const review = {
  steps: [
    { id: 'prepare', type: 'transform', expression: '{"ticket": "T-1"}' },
    { id: 'enrich', type: 'transform', dependsOn: ['prepare'], expression: '"enriched"' },
    { id: 'score', type: 'transform', dependsOn: ['prepare'], expression: '42' },
    { id: 'approve', type: 'wait', dependsOn: ['enrich', 'score'] },
    { id: 'finish', type: 'transform', dependsOn: ['approve'], expression: '"done"' },
  ],
};

/** How the console shows a run id: the first 8 characters of the database id inside the global id. */
function shortId(globalId: string): string {
  return Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!.slice(0, 8);
}

/** A fresh browser tab on the console; `problems` collects its console errors and exceptions. */
async function openConsole(base: string, path = '/console/'): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = pageProblems(page);
  await page.goto(base + path);
  return { context, page, problems };
}

/** Resolves once the page's live runs list is subscribed on the server (a run created after it cannot be missed). */
const liveFeedOpen = (t: TestApp) => eventually(() => t.app.runChanges.watchers() > 0, 'the runs list to subscribe');

/** Marks the page; `stillSamePage` is false after any reload or full navigation. */
async function markPage(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => Object.assign(window, { consoleTestMark: true }));
  return () => page.evaluate(() => 'consoleTestMark' in window);
}

describe('the run console (AUTH_MODE=none)', () => {
  let t: TestApp;
  let base: string;
  let f: ReturnType<typeof flows>;

  beforeAll(async () => {
    t = await startTestApp({ consoleDir: build.dir }, { WORKER_POLL_MS: '50' });
    base = (await t.app.start()).url;
    f = flows(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is served at /console with its client routes, a CSP and cacheable assets', async () => {
    for (const path of ['/console', '/console/', '/console/runs/some-run', '/console/workflows']) {
      const response = await fetch(base + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await response.text();
      expect(html).toContain('<div id="root">');
      // No inline script: everything comes from /console/assets, which the CSP allows.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
    const html = await (await fetch(`${base}/console/`)).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(base + script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/console/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/console/`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/console/..%2f..%2fpackage.json`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('shows a run started through the API, and its status change to COMPLETED without a reload', async () => {
    const { context, page, problems } = await openConsole(base);
    try {
      await page.getByRole('table', { name: 'Runs' }).waitFor();
      await liveFeedOpen(t);
      const samePage = await markPage(page);
      const wf = await f.workflow('console-list', approval);
      const run = await f.execute(wf.id);
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: shortId(run.id), exact: true }) });
      await row.getByText('RUNNING', { exact: true }).waitFor();
      // Only once the list has shown it running: the change to COMPLETED must arrive live.
      await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'));
      expectMember((await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { ok: true } })).signalRun, 'Run');
      await row.getByText('COMPLETED', { exact: true }).waitFor();
      const cells = (await tableRows(page.getByRole('table', { name: 'Runs' }))).find((cells) => cells[0] === shortId(run.id));
      expect(cells?.[1]).toMatch(/^console-list-\d+$/);
      expect(cells?.[5]).toBe('3/3');
      expect(await samePage()).toBe(true);
      await screenshot(page, 'console-runs');

      // The filters are labelled controls that narrow the list.
      const table = page.getByRole('table', { name: 'Runs' });
      const workflowSelect = page.getByLabel('Workflow');
      await workflowSelect.focus();
      await workflowSelect.selectOption({ label: cells![1]! });
      await page.getByRole('group', { name: 'Status' }).getByLabel('FAILED').check();
      await table.getByText('No runs match.').waitFor();
      await page.getByRole('group', { name: 'Status' }).getByLabel('FAILED').uncheck();
      await page.getByRole('group', { name: 'Status' }).getByLabel('COMPLETED').check();
      await row.getByText('COMPLETED', { exact: true }).waitFor();
      // A search (by the run id's first 8 characters) is answered by a plain query.
      await page.getByLabel('Search').fill(shortId(run.id));
      await page.getByRole('button', { name: 'Search runs' }).click();
      await page.getByRole('status').filter({ hasText: 'Search results' }).waitFor();
      await row.getByText('COMPLETED', { exact: true }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a run’s steps as a DAG picture and a table, and its event log growing live', async () => {
    const wf = await f.workflow('console-run', review);
    const run = await f.execute(wf.id);
    await waitForRun(t, run.id, (r) => r.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING'));
    // A deep link loads the run page directly.
    const { context, page, problems } = await openConsole(base, `/console/runs/${encodeURIComponent(run.id)}`);
    try {
      const graph = page.getByRole('img', { name: /^Step graph:/ });
      await page.getByRole('img', { name: /approve WAITING/ }).waitFor();
      expect(await graph.getAttribute('aria-label')).toBe(
        'Step graph: prepare COMPLETED, enrich COMPLETED, score COMPLETED, approve WAITING, finish PENDING',
      );
      const titles = await graph.locator('g.node > title').allTextContents();
      expect(titles).toEqual([
        'prepare (transform step): COMPLETED',
        'enrich (transform step): COMPLETED',
        'score (transform step): COMPLETED',
        'approve (wait step): WAITING',
        'finish (transform step): PENDING',
      ]);
      // One arrow per dependency, and dagre placed the fan-out side by side, not on top of each other.
      expect(await graph.locator('path.edge').count()).toBe(5);
      const boxes = await graph.locator('g.node').evaluateAll((nodes) =>
        nodes.map((n) => {
          const box = (n as SVGGElement).getBBox();
          const m = (n as SVGGElement).transform.baseVal.consolidate()?.matrix;
          return { step: n.getAttribute('data-step'), x: (m?.e ?? 0) + box.x, y: (m?.f ?? 0) + box.y };
        }),
      );
      const at = (step: string) => boxes.find((b) => b.step === step)!;
      expect(at('enrich').x).toBe(at('score').x);
      expect(at('enrich').y).not.toBe(at('score').y);
      expect(at('prepare').x).toBeLessThan(at('enrich').x);
      expect(at('approve').x).toBeLessThan(at('finish').x);

      const steps = page.getByRole('table', { name: 'Steps of this run' });
      expect((await tableRows(steps)).map((cells) => cells.slice(0, 3))).toEqual([
        ['prepare', 'TRANSFORM', 'COMPLETED'],
        ['enrich', 'TRANSFORM', 'COMPLETED'],
        ['score', 'TRANSFORM', 'COMPLETED'],
        ['approve', 'WAIT', 'WAITING'],
        ['finish', 'TRANSFORM', 'PENDING'],
      ]);

      const log = page.getByRole('table', { name: /^Event log/ });
      const before = await until(
        () => tableRows(log),
        (rows) => rows.some((cells) => cells[3] === 'approve'),
        'the log up to the wait',
      );
      await screenshot(page, 'console-run');
      const samePage = await markPage(page);
      expectMember((await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { approved: true } })).signalRun, 'Run');
      await page.getByRole('img', { name: /approve COMPLETED, finish COMPLETED$/ }).waitFor();
      const after = await until(
        () => tableRows(log),
        (rows) => rows.length > before.length && rows.some((cells) => cells[3] === 'finish'),
        'the log to grow',
      );
      // Every event once, in order, the earlier ones unchanged.
      const seqs = after.map((cells) => Number(cells[0]));
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(after.slice(0, before.length)).toEqual(before);
      expect(await samePage()).toBe(true);
      await page.locator('.title-row').getByText('COMPLETED', { exact: true }).waitFor();
      await page.getByRole('status').filter({ hasText: 'The run has finished' }).waitFor();

      // The step panel shows a step's input and output.
      await steps.getByRole('button', { name: 'approve', exact: true }).click();
      const panel = page.getByRole('region', { name: 'Step approve' });
      expect(JSON.parse((await panel.getByLabel('Output of approve').textContent()) ?? '')).toEqual({ approved: true });
      await screenshot(page, 'console-run-completed');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('cancels and retries a run, signals its waiting step, and re-runs it from a step, with the buttons', async () => {
    const wf = await f.workflow('console-actions', approval);
    const run = await f.execute(wf.id);
    const { context, page, problems } = await openConsole(base, `/console/runs/${encodeURIComponent(run.id)}`);
    try {
      const header = page.locator('.title-row');
      await page.getByRole('img', { name: /approve WAITING/ }).waitFor();
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await header.getByText('CANCELLED', { exact: true }).waitFor();
      expect((await waitForRun(t, run.id)).status).toBe('CANCELLED');
      await page.getByRole('img', { name: /approve CANCELLED/ }).waitFor();

      await page.getByRole('button', { name: 'Retry run' }).click();
      // The retried run runs again: it parks at the wait step once more.
      await page.getByRole('img', { name: /approve WAITING/ }).waitFor();
      await header.getByText('RUNNING', { exact: true }).waitFor();
      expect((await waitForRun(t, run.id, (r) => r.status === 'RUNNING')).status).toBe('RUNNING');

      // A payload that is not JSON is refused before it is sent, with an alert.
      await page.getByRole('button', { name: 'approve', exact: true }).click();
      const payload = page.getByLabel('Signal payload (JSON)');
      await payload.fill('{not json');
      await page.getByRole('button', { name: 'Send signal' }).click();
      expect(await page.getByRole('alert').textContent()).toMatch(/not valid JSON/);
      await payload.fill('{"approved": "yes"}');
      await page.getByRole('button', { name: 'Send signal' }).click();
      await header.getByText('COMPLETED', { exact: true }).waitFor();
      const done = await waitForRun(t, run.id);
      expect(done.status).toBe('COMPLETED');
      expect(done.steps.find((s) => s.stepId === 'approve')?.output).toEqual({ approved: 'yes' });

      // Re-run from the last step: a new run that reuses the earlier steps' outputs, opened at once.
      await page.getByRole('button', { name: 'Re-run from finish' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/console/runs/') && !url.pathname.endsWith(encodeURIComponent(run.id)));
      const rerunId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
      await header.getByText('COMPLETED', { exact: true }).waitFor();
      const rerun = await waitForRun(t, rerunId);
      expect(rerun).toMatchObject({ status: 'COMPLETED', rerunFromStepId: 'finish', parent: { id: run.id } });
      const reused = (await f.events(rerunId)).filter((e) => e.type === 'step.reused').map((e) => e.stepId);
      expect(reused.sort()).toEqual(['approve', 'prepare']);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('starts a run of a workflow from the workflows page, showing a refused input as an alert, and lists agents', async () => {
    const created = await t.ok(CreateWorkflowDocument, {
      input: {
        name: 'Console ticket flow',
        definition: { inputs: [{ name: 'ticket', type: 'string', required: true }], steps: approval.steps },
      },
    });
    expectMember(created.createWorkflow, 'Workflow');
    expectMember(
      (await t.ok(CreateAgentDocument, { input: { name: 'console-agent', url: 'http://127.0.0.1:9/agent' } })).createAgent,
      'Agent',
    );
    const { context, page, problems } = await openConsole(base);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workflows' }).click();
      await page.getByRole('button', { name: 'Run Console ticket flow' }).click();
      const inputs = page.getByLabel('Inputs (JSON)');
      await inputs.fill('{}');
      await page.getByRole('button', { name: 'Start run' }).click();
      // The server's typed ValidationError, in its own words.
      expect(await page.getByRole('alert').textContent()).toMatch(/The run was not started: .*ticket/);
      await inputs.fill('{"ticket": "T-42"}');
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.waitForURL(/\/console\/runs\/[^/]+$/);
      await page.getByRole('img', { name: /approve WAITING/ }).waitFor();
      expect(JSON.parse((await page.getByLabel('Run inputs').textContent()) ?? '')).toEqual({ ticket: 'T-42' });

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).click();
      const agents = page.getByRole('table', { name: 'Agents' });
      const rows = await until(
        () => tableRows(agents),
        (r) => r.some((cells) => cells[0] === 'console-agent'),
        'the agent row',
      );
      expect(rows.find((cells) => cells[0] === 'console-agent')).toEqual([
        'console-agent',
        'HTTP',
        'ACTIVE',
        'http://127.0.0.1:9/agent',
        'Never checked',
      ]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('the run console (AUTH_MODE=required)', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp({ consoleDir: build.dir }, { ...authEnv, WORKER_POLL_MS: '50' });
    base = (await t.app.start()).url;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('asks for a token, refuses an invalid one with a message, and shows the runs for a valid one', async () => {
    const token = await mintToken({ sub: 'console-user', customer_id: 'console-tenant', role: 'admin' });
    const workflow = expectMember(
      (await t.ok(CreateWorkflowDocument, { input: { name: 'Signed-in flow', definition: approval } }, { token })).createWorkflow,
      'Workflow',
    );
    const { context, page, problems } = await openConsole(base);
    try {
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Token (JWT)').fill('not-a-valid-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/^The server refused the credential: .+/);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();

      await page.getByLabel('Token (JWT)').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('table', { name: 'Runs' }).waitFor();
      await liveFeedOpen(t);
      const started = expectMember(
        (await t.ok(ExecuteWorkflowDocument, { workflowId: workflow.id, input: {} }, { token })).executeWorkflow,
        'Run',
      );
      await page.getByRole('link', { name: shortId(started.id), exact: true }).waitFor();
      expect(await page.getByRole('banner').textContent()).toContain('Workspace');

      // The credential lasts for the tab: a reload stays signed in; signing out asks again.
      await page.reload();
      await page.getByRole('link', { name: shortId(started.id), exact: true }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await page.evaluate(() => window.sessionStorage.length)).toBe(0);
      // The browser reports each 401 the API answered as a failed resource load; nothing else may fail.
      expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('serves the console without a credential (its API calls carry one)', async () => {
    const response = await fetch(`${base}/console/runs/x`);
    expect(response.status).toBe(200);
    expect(
      (
        await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ currentWorkspace { id } }"}',
        })
      ).status,
    ).toBe(401);
  });
});

describe('the console without a build', () => {
  it('answers 503 naming the build command', async () => {
    const t = await startTestApp({ consoleDir: '/nonexistent/flowdeck-console' });
    try {
      const response = await t.app.fetch(new Request('http://flowdeck.test/console/'));
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build:console');
    } finally {
      await t.close();
    }
  });
});
