// @flowdeck/sdk as an app gets it: built (sdk/build.js), packed with npm, installed from the
// tarball into a scratch app outside the repository, type-checked by that app's own TypeScript
// (bundler resolution, strict, no special flags) and imported by Node as ESM. The build goes to a
// scratch directory so sdk/dist, which other tests and the console use, is never touched.

import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testProvider } from '../support/database.ts';

const exec = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const SETUP_LIMIT_MS = 240_000;
/** tsc over the scratch app takes 20 s or more on a busy 2-core machine. */
const CHECK_LIMIT_MS = 120_000;

/** The child's environment without the npm_* variables of an enclosing `npm test`, which would steer npm there. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));

async function run(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return exec(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
}

/** Like {@link run}, but returns the exit code and output of a command expected to fail. */
async function attempt(file: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, cwd);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** The version the repository installed, so the scratch app's install is served from the npm cache. */
async function installed(name: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** What an app writes: the provider, a list, a mutation narrowed on __typename, the run stream. */
const APP = `import {
  createFlowdeckClient,
  FlowdeckProvider,
  getFragmentData,
  RunListItemFragmentDoc,
  type RunStatus,
  useCancelRunMutation,
  useRunsQuery,
  useRunStream,
} from '@flowdeck/sdk';

type IsAny<T> = 0 extends 1 & T ? true : false;
type NotAny<T extends false> = T;

const client = createFlowdeckClient({ url: '/graphql', token: 'a-jwt', workspace: 'default' });

function RunsList() {
  const [runs] = useRunsQuery({ variables: { first: 20, filter: { status: ['RUNNING', 'PENDING'] } } });
  const [, cancelRun] = useCancelRunMutation();
  type _Runs = NotAny<IsAny<typeof runs.data>>;

  async function cancel(id: string): Promise<string> {
    const result = await cancelRun({ input: { id, reason: 'from the app' } });
    type _Cancelled = NotAny<IsAny<typeof result.data>>;
    const answer = result.data?.cancelRun;
    switch (answer?.__typename) {
      case 'Run':
        return 'cancelled ' + answer.id;
      case 'InvalidStateError':
      case 'NotFoundError':
      case 'ValidationError':
        return answer.message;
      default:
        return result.error?.message ?? 'unknown';
    }
  }

  return (
    <ul>
      {runs.data?.runs.edges.map((edge) => {
        const run = getFragmentData(RunListItemFragmentDoc, edge.node);
        type _Row = NotAny<IsAny<typeof run>>;
        const status: RunStatus = run.status;
        return (
          <li key={run.id} onClick={() => void cancel(run.id)}>
            {run.workflow.name} {status} {run.stepCounts.completed}/{run.stepCounts.total}
          </li>
        );
      })}
    </ul>
  );
}

function RunLog({ runId }: { runId: string }) {
  const stream = useRunStream(runId, { batchSize: 100 });
  type _Stream = NotAny<IsAny<typeof stream>>;
  type _Run = NotAny<IsAny<typeof stream.run>>;
  type _Event = NotAny<IsAny<(typeof stream.events)[number]>>;
  return (
    <pre>
      {stream.run?.status} {stream.finished ? 'done' : 'live'} {stream.lastSeq}
      {stream.events.map((event) => event.seq + ' ' + event.type + ' ' + event.message).join('\\n')}
    </pre>
  );
}

export function App() {
  return (
    <FlowdeckProvider value={client}>
      <RunsList />
      <RunLog runId="run-1" />
    </FlowdeckProvider>
  );
}
`;

/** Misuse the types must refuse: each line that must fail ends with the error code expected there. */
const MISUSE = `import { getFragmentData, RunListItemFragmentDoc, type RunStatus, useRunsQuery } from '@flowdeck/sdk';
import { createFlowdeckClient } from '@flowdeck/sdk/dist/client.js'; // TS2307

type IsAny<T> = 0 extends 1 & T ? true : false;
type NotAny<T extends false> = T;

export function Misuse() {
  const [runs] = useRunsQuery({ variables: { filter: { status: ['DONE'] } } }); // TS2322
  const node = runs.data?.runs.edges[0]?.node;
  const masked = node?.status; // TS2339
  const row = node ? getFragmentData(RunListItemFragmentDoc, node) : null;
  const inputs = row?.inputs; // TS2339
  const status: RunStatus = 'FINISHED'; // TS2322
  type _Any = NotAny<IsAny<any>>; // TS2344
  return [masked, inputs, status, typeof createFlowdeckClient].join(' ');
}
`;

/** A REST-only caller: the typed client from '@flowdeck/sdk/rest', typed bodies on success and error. */
const REST_APP = `import { createFlowdeckRestClient, type components } from '@flowdeck/sdk/rest';

type IsAny<T> = 0 extends 1 & T ? true : false;
type NotAny<T extends false> = T;

const rest = createFlowdeckRestClient({ baseUrl: 'http://localhost:8000', apiKey: 'fd_key', workspace: 'default' });

export async function runOnce(workflowId: string): Promise<string> {
  const agent = await rest.POST('/api/v1/agents', { body: { name: 'echo', url: 'http://echo:8080' } });
  type _Agent = NotAny<IsAny<typeof agent.data>>;
  const started = await rest.POST('/api/v1/workflows/{workflow_id}/execute', {
    params: { path: { workflow_id: workflowId } },
    body: { input_data: { text: 'hi' } },
  });
  if (started.error) return started.error.error + ' ' + started.error.status_code;
  const run: components['schemas']['RunResponse'] | undefined = started.data;
  const read = await rest.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: run?.run_id ?? '' } } });
  type _Run = NotAny<IsAny<typeof read.data>>;
  return read.data?.status ?? read.error?.request_id ?? 'unknown';
}
`;

/** REST misuse the types must refuse, marked like {@link MISUSE}. */
const REST_MISUSE = `import { createFlowdeckRestClient } from '@flowdeck/sdk/rest';
import { createFlowdeckRestClient as deep } from '@flowdeck/sdk/dist/rest.js'; // TS2307

const rest = createFlowdeckRestClient({ baseUrl: 'http://localhost:8000' });

export async function restMisuse(): Promise<unknown> {
  const wrongPath = await rest.GET('/api/v1/agent', {}); // TS2345
  const noName = await rest.POST('/api/v1/agents', { body: { url: 'http://echo:8080' } }); // TS2322
  const status: 'DONE' | undefined = (await rest.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: 'r' } } })).data?.status; // TS2322
  return [wrongPath, noName, status, deep];
}
`;

/** The README's "Use from React" example: an app developer follows it as written, so it must compile as written. */
async function readmeApp(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use from React'));
  const block = /```tsx\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no tsx example under "## Use from React"');
  return block;
}

/** `file:line TScode` of each diagnostic tsc printed. */
function diagnostics(output: string): string[] {
  return [...output.matchAll(/^src\/(\w+\.tsx?)\((\d+),\d+\): error (TS\d+)/gm)].map(([, file, line, code]) => `${file}:${line} ${code}`);
}

// The package never touches a database: CI's SQLite pass proves it, the PostgreSQL pass skips it.
describe.skipIf(testProvider === 'postgres')('the packed @flowdeck/sdk', () => {
  let work: string;
  let app: string;
  let packed: string[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'flowdeck-sdk-'));
    const stage = join(work, 'package');
    await run(process.execPath, [join(root, 'sdk/build.js'), '--out-dir', join(stage, 'dist')], root);
    await copyFile(join(root, 'sdk/package.json'), join(stage, 'package.json'));
    const pack = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', work], stage)).stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    const tarball = join(work, pack[0]?.filename ?? 'missing.tgz');
    packed = pack[0]?.files.map((f) => f.path) ?? [];

    app = join(work, 'app');
    await mkdir(join(app, 'src'), { recursive: true });
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    const compilerOptions = { target: 'es2022', lib: ['es2022', 'dom'], module: 'esnext', moduleResolution: 'bundler', jsx: 'react-jsx' };
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...compilerOptions, strict: true, noEmit: true }, include: ['src'] }),
    );
    await writeFile(join(app, 'src/app.tsx'), APP);
    await writeFile(join(app, 'src/misuse.tsx'), MISUSE);
    await writeFile(join(app, 'src/restApp.ts'), REST_APP);
    await writeFile(join(app, 'src/restMisuse.ts'), REST_MISUSE);
    await writeFile(join(app, 'src/readme.tsx'), await readmeApp());
    const versions = await Promise.all(
      ['react', 'react-dom', '@types/react', '@types/react-dom', 'graphql', 'typescript'].map(
        async (name) => `${name}@${await installed(name)}`,
      ),
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...versions], app);
  }, SETUP_LIMIT_MS);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds the built dist and nothing else: no sources, no tests', () => {
    expect(packed).toContain('package.json');
    expect(packed).toEqual(
      expect.arrayContaining(['dist/sdk.js', 'dist/sdk.d.ts', 'dist/client.js', 'dist/schema.graphql', 'dist/rest.js', 'dist/rest.d.ts']),
    );
    expect(packed.filter((path) => path !== 'package.json' && !path.startsWith('dist/'))).toEqual([]);
    expect(packed.filter((path) => /\.tsx?$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
    expect(packed.filter((path) => /(^|\/)(src|test|operations)\//.test(path))).toEqual([]);
  });

  it(
    "type-checks an app that imports only '@flowdeck/sdk' (nothing degrades to any) and the README's example, and refuses misuse",
    async () => {
      const tsc = await attempt(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], app);
      const marked = (source: string, file: string) =>
        source.split('\n').flatMap((line, i) => {
          const code = /\/\/ (TS\d+)$/.exec(line)?.[1];
          return code ? [`${file}:${i + 1} ${code}`] : [];
        });
      const expected = [...marked(MISUSE, 'misuse.tsx'), ...marked(REST_MISUSE, 'restMisuse.ts')];
      expect(expected).toHaveLength(10);
      // Every diagnostic is one of the misuse files'; the apps and the README's example have none.
      expect(diagnostics(tsc.output).sort(), tsc.output).toEqual(expected.sort());
      expect(tsc.code).not.toBe(0);
      expect(tsc.output).toContain("Cannot find module '@flowdeck/sdk/dist/client.js'");
      expect(tsc.output).toContain("Property 'inputs' does not exist on type 'RunListItemFragment'");
      expect(tsc.output).toContain("Property 'name' is missing");
    },
    CHECK_LIMIT_MS,
  );

  it("'@flowdeck/sdk/rest' imports openapi-fetch and its own modules only: no React, urql or graphql", async () => {
    const stage = join(work, 'package', 'dist');
    const imports = new Set<string>();
    for (const file of ['rest.js', 'rest/client.js', 'rest/openapi.js']) {
      const source = await readFile(join(stage, file), 'utf8');
      for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g))
        imports.add(specifier ?? '');
    }
    expect([...imports].sort()).toEqual(['./rest/client.js', 'openapi-fetch']);
  });

  it(
    'loads in Node as ESM from its root and from /rest, and from nowhere deeper',
    async () => {
      const script = "const sdk = await import('@flowdeck/sdk'); console.log(JSON.stringify(Object.keys(sdk)));";
      const exported = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', script], app)).stdout) as string[];
      expect(exported).toEqual(
        expect.arrayContaining(['createFlowdeckClient', 'FlowdeckProvider', 'useRunsQuery', 'useRunStream', 'useLiveRuns', 'RunsDocument']),
      );
      const deep = await attempt(process.execPath, ['--input-type=module', '-e', "await import('@flowdeck/sdk/dist/client.js');"], app);
      expect(deep.code).not.toBe(0);
      expect(deep.output).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
      const restScript = "const rest = await import('@flowdeck/sdk/rest'); console.log(JSON.stringify(Object.keys(rest)));";
      expect(JSON.parse((await run(process.execPath, ['--input-type=module', '-e', restScript], app)).stdout)).toEqual([
        'createFlowdeckRestClient',
      ]);
    },
    CHECK_LIMIT_MS,
  );
});
