import { type ChildProcess, spawn } from 'node:child_process';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** A Flowdeck process started the way an operator would start it. */
export interface FlowdeckProcess {
  child: ChildProcess;
  /** Base URL, for server processes. */
  url: string | null;
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * Starts `src/main.ts` (server) or `src/worker.ts` (worker only) with the given environment
 * and resolves once it is ready (listening, or its workers started).
 */
export async function startProcess(kind: 'server' | 'worker', env: Record<string, string>): Promise<FlowdeckProcess> {
  const entry = new URL(`../../src/${kind === 'server' ? 'main' : 'worker'}.ts`, import.meta.url).pathname;
  // `node --import tsx` is one process; the tsx CLI would put the server in a child process,
  // out of reach of the SIGKILL a crash test sends.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'test', RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string | null>((resolve, reject) => {
    const check = () => {
      const port = /"port":(\d+)/.exec(out)?.[1];
      if (kind === 'server' && port) resolve(`http://127.0.0.1:${port}`);
      if (kind === 'worker' && out.includes('Flowdeck worker started')) resolve(null);
    };
    child.stdout?.on('data', check);
    void exited.then((code) => reject(new Error(`${kind} exited early (${code}): ${out}`)));
  });
  return { child, url, output: () => out, exited };
}

/** Runs an SDK document against a server process over HTTP; throws on GraphQL errors. */
export async function gqlOver<T, V>(base: string, document: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}
