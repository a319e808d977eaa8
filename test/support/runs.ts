import { type RunQuery, RunDocument } from '../gql/graphql.ts';
import type { TestApp, RequestScope } from './app.ts';

/** The Run member of a `run` query result. */
export type RunView = Extract<NonNullable<RunQuery['run']>, { __typename: 'Run' }>;

/**
 * Polls `run(id)` until `done` holds, returning the run. Bounded so a broken engine fails the
 * test instead of hanging it; the bound is a safety net, never what a test asserts.
 */
export async function waitForRun(
  t: TestApp,
  id: string,
  done: (run: RunView) => boolean = (r) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(r.status),
  scope?: RequestScope,
  limitMs = 20_000,
): Promise<RunView> {
  const started = Date.now();
  let last: RunView | undefined;
  for (;;) {
    const result = await t.ok(RunDocument, { id }, scope);
    if (result.run.__typename !== 'Run') throw new Error(`run ${id}: ${JSON.stringify(result.run)}`);
    last = result.run;
    if (done(last)) return last;
    if (Date.now() - started > limitMs)
      throw new Error(`run ${id} never reached the expected state; last seen: ${JSON.stringify(last, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls until `check` returns true (bounded), for counters observed on test agents. */
export async function eventually(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
