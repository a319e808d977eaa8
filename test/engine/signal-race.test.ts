// A signal that lands while the worker is parking the run (the moment step.waiting is
// committed) must not be lost: the park may not overwrite the runnableAt the signal set.
// Approving the instant "waiting" is seen is what a live UI does.

import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunEventsLiveSubscription, RunEventsLiveDocument, SignalRunDocument } from '../gql/graphql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { flows } from '../support/flows.ts';
import { waitForRun } from '../support/runs.ts';

let t: TestApp;
let ws: ReturnType<typeof createClient>;
beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '60000' });
  const { url } = await t.app.start();
  ws = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
});
afterAll(async () => {
  await ws?.dispose();
  await t?.close();
});

describe('signals racing the park', () => {
  it('every run signalled the instant its step starts waiting completes (no stranded run)', async () => {
    const f = flows(t);
    const wf = await f.workflow('race', {
      steps: [
        { id: 'approve', type: 'wait' },
        { id: 'after', type: 'transform', dependsOn: ['approve'], expression: '"done"' },
      ],
    });
    // A long poll interval: a stranded run would not be rescued by polling within the test.
    const runs = await Promise.all(
      Array.from({ length: 15 }, async () => {
        const run = await f.execute(wf.id);
        await new Promise<void>((resolve, reject) => {
          const stop = ws.subscribe<RunEventsLiveSubscription>(
            { query: print(RunEventsLiveDocument), variables: { runId: run.id } },
            {
              next: (result) => {
                if (result.data?.runEvents.type !== 'step.waiting') return;
                stop();
                t.ok(SignalRunDocument, { runId: run.id, stepId: 'approve', payload: {} }).then(() => resolve(), reject);
              },
              error: reject,
              complete: () => {},
            },
          );
        });
        return run.id;
      }),
    );
    for (const id of runs) expect((await waitForRun(t, id)).status).toBe('COMPLETED');
  });
});
