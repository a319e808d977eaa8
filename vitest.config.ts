import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// These files give Node a DOM (test/support/dom.ts puts `window`, `document`... on globalThis).
// Left there, it would change how later files' libraries behave (@hey-api/openapi-ts takes
// itself for a browser when `window` exists), so they get a fresh process each.
const ownGlobals = ['test/sdk/hooks.test.tsx', 'test/sdk/live-runs.test.tsx'];

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds; Node loads the CJS one for every
    // package, but Vite would hand our sources the ESM one, giving two GraphQLError classes.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database; two workers fit the 2-core machines.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ownGlobals,
          // Prism is for restClient's calls; the other project makes none.
          globalSetup: ['test/support/global-setup.ts'],
          // Fails a file that leaves process.env changed or a DOM behind (see the file).
          setupFiles: ['test/support/shared-worker.ts'],
          // A worker keeps its loaded modules from one test file to the next: importing the app
          // anew in a fresh process cost 2-3 s per file, 40% of the suite's wall time. Safe here:
          // no module holds state between apps (each test builds its own), no test mocks
          // modules, and tests that set process.env restore it.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'own-globals', include: ownGlobals } },
    ],
  },
});
