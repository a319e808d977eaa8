// What every benchmark module receives: the mode, the database, and helpers to start servers.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Result } from './report.ts';
import { CORES, pinnedCommand } from './machine.ts';

/** How much work a run does: `quick` proves every benchmark runs (CI), `full` measures. */
export type Mode = 'quick' | 'full';

/** Shared by the benchmark modules of one `npm run bench`. */
export interface BenchContext {
  mode: Mode;
  provider: 'sqlite' | 'postgres';
  /** A new empty database (a SQLite file, or a database on DATABASE_URL's server). */
  scratch(): Promise<{ url: string; drop(): Promise<void> }>;
  /** Prints a progress line (stderr, so JSON on stdout stays clean if asked for). */
  log(message: string): void;
}

/** One benchmark module: `test/bench/b<N>-<name>.ts` exports `benchmark` of this shape. */
export interface Benchmark {
  /** e.g. "B1 lists". */
  name: string;
  run(ctx: BenchContext): Promise<Result[]>;
}

/** A child process the suite started, and how to stop it. */
export interface Child {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a Flowdeck server (`src/main.ts`, or `src/worker.ts`) pinned to `cores` (the server
 * core by default), with production settings but no authentication or rate limit (one anonymous
 * caller measures the work, not the budget), on a free loopback port; resolves once it listens.
 */
export function startFlowdeck(
  env: Record<string, string>,
  entry: 'main' | 'worker' = 'main',
  cores: string = CORES.server,
): Promise<Child> {
  const path = new URL(`../../../src/${entry}.ts`, import.meta.url).pathname;
  return startNode(
    path,
    {
      NODE_ENV: 'production',
      AUTH_MODE: 'none',
      RATE_LIMIT_PER_MINUTE: '0',
      // The ready lines ("listening", "worker started") are info; nothing on a hot path logs at info.
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
    entry === 'worker' ? /Flowdeck worker started/ : /"port":(\d+)/,
    cores,
  );
}

/**
 * Starts a Node.js script (TypeScript through tsx) pinned to the server core and resolves
 * once its output matches `ready` (whose first group, if any, is the port it listens on).
 */
export function startNode(script: string, env: Record<string, string>, ready: RegExp, cores: string = CORES.server): Promise<Child> {
  const [command, args] = pinnedCommand(cores, process.execPath, ['--import', 'tsx', script]);
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Child>((resolve, reject) => {
    const check = (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        resolve({
          child,
          url: match[1] ? `http://127.0.0.1:${match[1]}` : '',
          output: () => out,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await exited;
            clearTimeout(timer);
          },
        });
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then((code) => reject(new Error(`${script} exited early (${code}): ${out.slice(-2000)}`)));
  });
}
