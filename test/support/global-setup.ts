// Runs once around the suite: says which back end the run uses, so a log shows it, and runs the
// Prism proxy that validates every checked REST response (test/support/prism.ts). The teardown
// prints what Prism validated and fails the run on any response violation it reported.
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { testProvider } from './database.ts';
import { startValidatingProxy } from './prism.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  console.log(
    `Flowdeck tests against ${testProvider}${testProvider === 'postgres' ? ` (${process.env.DATABASE_URL?.replace(/\/\/[^@]*@/, '//***@')})` : ''}`,
  );
  // Returns once Prism is spawned, not listening: it starts while the test files build their
  // apps, and restClient waits for it on its first call.
  const proxy = await startValidatingProxy(fileURLToPath(new URL('../../codegen/openapi.json', import.meta.url)));
  project.provide('prismUrl', proxy.url);

  return async () => {
    // A Prism that never listened failed every test that needed it already; say why here too.
    if (proxy.failure()) console.error(String(proxy.failure()));
    const summary = await proxy.stop();
    console.log(
      `Prism validated ${summary.validated} REST responses against codegen/openapi.json: ${summary.violations.length} response violations`,
    );
    if (summary.violations.length > 0) {
      console.error(summary.violations.join('\n'));
      // A throwing teardown is only logged by vitest; the exit code is what fails the run.
      process.exitCode = 1;
      throw new Error(`Prism reported ${summary.violations.length} response violations (listed above)`);
    }
  };
}
