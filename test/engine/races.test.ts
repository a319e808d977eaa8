// User actions racing the worker, each interleaving forced with a pause point: the worker is
// stopped between what it read and what it writes, the test commits a cancel, signal or
// retry there, then lets the worker go on. An acknowledged action must stand, and the run
// must not be left non-terminal with nothing to make it progress.
// Findings C4, M1, M2, M3 and m3 of the engine review.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CancelRunDocument, RetryRunDocument, SignalRunDocument } from '../gql/graphql.ts';
import { AgentReply, gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { ManualClock } from '../support/clock.ts';
import { EngineControl } from '../support/engine-hooks.ts';
import { dbId, flows } from '../support/flows.ts';
import { eventually, waitForRun } from '../support/runs.ts';

const control = new EngineControl();
let t: TestApp;
let f: ReturnType<typeof flows>;
let agent: TestAgent;
let agentName: string;
// Steps whose id starts with "fail" answer 400 until the test flips this.
let failing = true;

beforeAll(async () => {
  agent = await startHttpAgent((body: { stepId: string }) =>
    body.stepId.startsWith('fail') && failing ? new AgentReply(400, { error: 'bad request' }) : { step: body.stepId },
  );
  t = await startTestApp({ hooks: control.hooks }, { WORKER_POLL_MS: '20' });
  f = flows(t);
  agentName = await f.agent('racer', agent, { timeoutMs: 10_000 });
});
afterEach(() => {
  control.reset();
  failing = true;
});
afterAll(async () => {
  await t?.close();
  await agent?.close();
});

/** Waits until no worker holds the run, then returns it as the API shows it. */
async function settled(runId: string) {
  const id = dbId(runId);
  for (let i = 0; i < 400; i++) {
    const row = await t.app.resources.db.prisma.run.findUniqueOrThrow({ where: { id }, select: { leaseOwner: true } });
    if (row.leaseOwner === null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return waitForRun(t, runId, () => true);
}

async function eventTypes(runId: string): Promise<string[]> {
  return (await f.events(runId)).map((e) => e.type);
}

describe('a cancel committed while the worker is about to write (C4)', () => {
  it.each([
    ['run.start', 'the PENDING→RUNNING write'],
    ['run.complete', 'the completion'],
    ['run.fail', 'the failure of the run'],
  ] as const)('before %s (%s) stays CANCELLED', async (write, _what) => {
    const step = write === 'run.fail' ? 'fail-a' : 'a';
    const wf = await f.workflow('c4', { steps: [{ id: step, type: 'agent', agent: agentName }] });
    const paused = control.pause(write);
    const run = await f.execute(wf.id);
    await paused.reached;

    const cancelled = (await t.ok(CancelRunDocument, { id: run.id, reason: 'user' })).cancelRun;
    expect(cancelled.__typename === 'Run' && cancelled.status).toBe('CANCELLED');
    paused.release();

    const after = await settled(run.id);
    expect(after.status).toBe('CANCELLED');
    expect(after.cancelReason).toBe('user');
    const types = await eventTypes(run.id);
    expect(types.at(-1)).toBe('run.cancelled');
    expect(types.filter((type) => type === 'run.completed' || type === 'run.failed')).toEqual([]);
    if (write === 'run.start') expect(types).not.toContain('run.started');
  });
});

describe('a signal or cancel committed while the worker settles a timer (M1)', () => {
  it('a signal acknowledged just as the wait times out completes the step with its payload', async () => {
    const wf = await f.workflow('m1', {
      steps: [
        { id: 'approve', type: 'wait', timeoutMs: 50 },
        { id: 'after', type: 'transform', dependsOn: ['approve'], expression: '"done"' },
      ],
    });
    const paused = control.pause('step.timer');
    const run = await f.execute(wf.id);
    await paused.reached;

    const signalled = (await t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: { ok: 1 } })).signalRun;
    expect(signalled.__typename).toBe('Run');
    paused.release();

    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.steps.find((s) => s.stepId === 'approve')?.output).toEqual({ ok: 1 });
    expect(await eventTypes(run.id)).not.toContain('step.failed');
  });

  it('a cancel acknowledged just as a delay ends leaves the delay CANCELLED', async () => {
    const wf = await f.workflow('m1-delay', { steps: [{ id: 'pause', type: 'delay', durationMs: 30 }] });
    const paused = control.pause('step.timer');
    const run = await f.execute(wf.id);
    await paused.reached;
    const cancelled = (await t.ok(CancelRunDocument, { id: run.id })).cancelRun;
    expect(cancelled.__typename === 'Run' && cancelled.status).toBe('CANCELLED');
    paused.release();

    const after = await settled(run.id);
    expect(after.status).toBe('CANCELLED');
    expect(after.steps.map((s) => s.status)).toEqual(['CANCELLED']);
    expect(await eventTypes(run.id)).not.toContain('step.completed');
  });
});

describe('a retry committed right after the run failed (M2)', () => {
  it('runs: the failed run is not parked over the retry', async () => {
    const wf = await f.workflow('m2', { steps: [{ id: 'fail-a', type: 'agent', agent: agentName }] });
    // Before the fix the worker freed the lease after committing FAILED, writing runnableAt
    // null; a retry landing in between was stranded. Stop the worker there if it still goes.
    const release = control.pause('run.release');
    const run = await f.execute(wf.id);
    expect((await waitForRun(t, run.id)).status).toBe('FAILED');
    failing = false;
    const retried = (await t.ok(RetryRunDocument, { id: run.id })).retryRun;
    expect(retried.__typename === 'Run' && retried.status).toBe('PENDING');
    release.release();

    const done = await waitForRun(t, run.id);
    expect(done.status).toBe('COMPLETED');
  });
});

describe('concurrent retries (m3)', () => {
  it('five retries at once: one is acknowledged, the others are refused, one run.retried', async () => {
    const wf = await f.workflow('m3', { steps: [{ id: 'fail-a', type: 'agent', agent: agentName }] });
    const run = await f.execute(wf.id);
    expect((await waitForRun(t, run.id)).status).toBe('FAILED');
    const results = await Promise.all(Array.from({ length: 5 }, () => t.ok(RetryRunDocument, { id: run.id })));
    const kinds = results.map((r) => r.retryRun.__typename).sort();
    expect(kinds).toEqual(['InvalidStateError', 'InvalidStateError', 'InvalidStateError', 'InvalidStateError', 'Run']);
    await waitForRun(t, run.id);
    expect((await eventTypes(run.id)).filter((type) => type === 'run.retried')).toHaveLength(1);
  });
});

describe('a driver that stalls past its lease (M3)', () => {
  it('is not joined by a second driver of the same process: the step is delivered once', async () => {
    const clock = new ManualClock(new Date());
    const held = gate();
    const slow = await startHttpAgent(async () => {
      await held.wait;
      return { ok: true };
    });
    const stalls = new EngineControl();
    let claims = 0;
    const app = await startTestApp(
      {
        hooks: stalls.hooks,
        clock,
        onQuery: (sql) => {
          // The claim query, as Prisma (SQLite) or the raw claim (PostgreSQL) words it.
          if (/runnableAt["`]? <=/.test(sql)) claims += 1;
        },
      },
      { WORKER_POLL_MS: '20', LEASE_MS: '1000' },
    );
    try {
      const g = flows(app);
      const name = await g.agent('slow', slow, { timeoutMs: 60_000 });
      const wf = await g.workflow('m3-stall', { steps: [{ id: 'a', type: 'agent', agent: name }] });
      const run = await g.execute(wf.id);
      await eventually(() => slow.calls.length === 1, 'the call to reach the agent');
      // The driver's next heartbeat stops here: from now on nothing renews the lease.
      const stalled = stalls.pause('heartbeat');
      await stalled.reached;
      clock.set(new Date(clock.now().getTime() + 10_000));
      const seen = claims;
      await eventually(() => claims >= seen + 5, 'the claim loop to look for runs with the lease lapsed');
      held.open();
      stalled.release();

      const done = await waitForRun(app, run.id);
      expect(done.status).toBe('COMPLETED');
      expect(slow.calls).toHaveLength(1);
      expect(done.steps[0]?.attempts.map((a) => a.status)).toEqual(['SUCCEEDED']);
    } finally {
      held.open();
      stalls.reset();
      await app.close();
      await slow.close();
    }
  });
});

describe('randomized races against running workers', () => {
  it('50 runs cancelled 0–40 ms after they start stay CANCELLED; retried, and signalled as they park, they complete', async () => {
    const wf = await f.workflow('storm', {
      steps: [
        { id: 'a', type: 'agent', agent: agentName },
        { id: 'approve', type: 'wait', dependsOn: ['a'] },
        { id: 'b', type: 'agent', agent: agentName, dependsOn: ['approve'] },
      ],
    });
    const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
    const runs = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const run = await f.execute(wf.id);
        await jitter();
        const cancelled = (await t.ok(CancelRunDocument, { id: run.id })).cancelRun;
        // No run can finish without its signal, so every cancel is acknowledged.
        expect(cancelled.__typename === 'Run' && cancelled.status).toBe('CANCELLED');
        return run.id;
      }),
    );
    for (const id of runs) {
      const after = await settled(id);
      expect(after.status).toBe('CANCELLED');
      expect((await eventTypes(id)).at(-1)).toBe('run.cancelled');
    }

    await Promise.all(
      runs.map(async (id) => {
        const retried = (await t.ok(RetryRunDocument, { id })).retryRun;
        expect(retried.__typename).toBe('Run');
      }),
    );
    // Signal each run once it is seen waiting (as a UI would), at a random moment of the worker
    // parking it; an acknowledged signal must not be lost. One watcher polls the runs in turn:
    // 50 pollers at once would starve the workers of the embedded database.
    const unseen = new Set(runs);
    const signals: Promise<void>[] = [];
    for (let sweep = 0; unseen.size > 0; sweep++) {
      if (sweep > 600) throw new Error(`runs never waited: ${[...unseen].join(', ')}`);
      for (const id of [...unseen]) {
        const seen = await waitForRun(t, id, () => true);
        if (!seen.steps.some((s) => s.stepId === 'approve' && s.status === 'WAITING')) continue;
        unseen.delete(id);
        signals.push(
          jitter().then(async () => {
            const signalled = (await t.ok(SignalRunDocument, { runId: id, stepId: 'approve', payload: { ok: true } })).signalRun;
            expect(signalled.__typename).toBe('Run');
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(signals);
    for (const id of runs) {
      const done = await waitForRun(t, id, undefined, undefined, 60_000);
      expect(done.status).toBe('COMPLETED');
      expect(done.steps.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    }
  }, 240_000);
});
