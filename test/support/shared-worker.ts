// Setup file of the `shared` project (vitest.config.ts): its test files run one after another in
// a worker that keeps its loaded modules and its globals. A file that leaves the environment
// changed, or a DOM on globalThis, would change how the files after it behave (and which ones,
// depends on the order); this fails the file that did it instead, saying what it left.
import { afterAll, beforeAll, expect } from 'vitest';

let env: Record<string, string | undefined> = {};

beforeAll(() => {
  env = { ...process.env };
});

afterAll(() => {
  const names = new Set([...Object.keys(env), ...Object.keys(process.env)]);
  const changed = [...names].filter((name) => env[name] !== process.env[name]);
  const dom = ['window', 'document'].filter((name) => name in globalThis);
  expect(
    { changedEnv: changed, domGlobals: dom },
    'restore process.env variables this file set; a file that needs a DOM belongs in vitest.config.ts `ownGlobals`',
  ).toEqual({ changedEnv: [], domGlobals: [] });
});
