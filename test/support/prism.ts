// An independent check of every REST response the suite receives: Stoplight Prism in proxy mode
// over the committed codegen/openapi.json (test/rest/openapi.test.ts proves it equals the served
// document). One Prism process serves the whole run (test/support/global-setup.ts starts it);
// its upstream is a small dispatcher that forwards each request to the test app named by a
// request header, because every test file's app is a server of its own. restClient
// (test/support/rest.ts) sends its checked calls through it and fails on a response violation.
//
// Prism runs without `--errors`: with it, Prism would refuse the suite's deliberately invalid
// requests (422) and every request without credentials (the document requires them; most tests
// run with AUTH_MODE=none) before they reach the server. Without it, Prism forwards everything
// and lists what it found in an `sl-violations` response header; request-side entries are the
// tests' own bad input, response-side entries are drift from the document.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect, type AddressInfo } from 'node:net';

/** Names the test app a request is for: `http://127.0.0.1:<port>`. */
export const UPSTREAM_HEADER = 'x-flowdeck-upstream';
/**
 * Carries a request body's real content type past Prism: bodies cross Prism as text/plain so
 * that it forwards them byte for byte (it re-serializes JSON it parsed, drops a JSON `null` or
 * `false` body, and answers malformed JSON itself); the dispatcher restores the header.
 */
export const CONTENT_TYPE_HEADER = 'x-flowdeck-content-type';
/**
 * Carries a redirect's Location past Prism, whose fetch would otherwise follow the redirect and
 * hand the test the target's answer; restClient restores it.
 */
export const LOCATION_HEADER = 'x-flowdeck-location';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Prism proxy's base URL (test/support/prism.ts). */
    prismUrl: string;
  }
}

/** One entry of Prism's `sl-violations` header. */
export interface PrismViolation {
  location: string[];
  severity: string;
  code?: string | number;
  message: string;
}

/** The response-side entries of an `sl-violations` header (drift from the document). */
export function responseViolations(header: string | null): PrismViolation[] {
  if (!header) return [];
  // Prism truncates a long list as "Too many violations! <first 8 KB of the JSON>".
  if (!header.startsWith('[')) return [{ location: ['response'], severity: 'Error', message: header }];
  return (JSON.parse(header) as PrismViolation[]).filter((violation) => violation.location[0] === 'response');
}

/** What the proxy saw over a run. */
export interface ProxySummary {
  /** Responses the dispatcher handed back to Prism, each validated by it. */
  validated: number;
  /** Prism's log lines reporting a response violation. */
  violations: string[];
  /** Prism's whole log (warnings and errors). */
  log: string;
}

/** A running Prism proxy and its dispatcher. */
export interface ValidatingProxy {
  /** Prism's base URL; it may still be starting (see {@link untilListening}). */
  url: string;
  /** Resolves once Prism accepts connections; rejects if it exits or does not start in time. */
  ready: Promise<void>;
  /** Why Prism failed to start, if it has (null while starting or once listening). */
  failure(): unknown;
  stop(): Promise<ProxySummary>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const UPSTREAM = /^http:\/\/127\.0\.0\.1:(\d{1,5})$/;
/** Prism loads and indexes the document in ~6 s on a quiet machine; a busy one is given more. */
const START_LIMIT_MS = 90_000;

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** A port nothing listens on now (Prism takes its port as an argument). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Forwards each request to the app its {@link UPSTREAM_HEADER} names, counting the answers. */
function startDispatcher(): { server: Server; answered: () => number } {
  let answered = 0;
  const server = createServer((req, res) => {
    const port = UPSTREAM.exec(String(req.headers[UPSTREAM_HEADER] ?? ''))?.[1];
    if (!port) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end(`the dispatcher needs ${UPSTREAM_HEADER}: http://127.0.0.1:<port>`);
      return;
    }
    const headers: IncomingHttpHeaders = { ...req.headers, host: `127.0.0.1:${port}` };
    delete headers[UPSTREAM_HEADER];
    const contentType = headers[CONTENT_TYPE_HEADER];
    delete headers[CONTENT_TYPE_HEADER];
    if (typeof contentType === 'string') headers['content-type'] = contentType;
    // A fresh connection each time: an app's server closes with its test file, and a pooled
    // socket to it would fail the next file's first request.
    const forward = request(
      { host: '127.0.0.1', port: Number(port), method: req.method, path: req.url, headers, agent: false },
      (answer) => {
        answered += 1;
        const back = { ...answer.headers };
        if (REDIRECTS.has(answer.statusCode ?? 0) && back.location !== undefined) {
          back[LOCATION_HEADER] = back.location;
          delete back.location;
        }
        res.writeHead(answer.statusCode ?? 502, back);
        answer.pipe(res);
      },
    );
    forward.once('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`the dispatcher could not reach ${port}: ${error.message}`);
    });
    req.pipe(forward);
  });
  // Longer than the idle timeout of Prism's pooled sockets, so Prism always closes them first
  // and never reuses one this side is closing.
  server.keepAliveTimeout = 30_000;
  return { server, answered: () => answered };
}

/**
 * Starts the dispatcher and Prism (`prism proxy <document> <dispatcher>`) on 127.0.0.1.
 * Returns at once; {@link ValidatingProxy.ready} settles when Prism listens.
 */
export async function startValidatingProxy(document: string): Promise<ValidatingProxy> {
  const dispatcher = startDispatcher();
  const upstreamPort = await listen(dispatcher.server);
  const port = await freePort();
  const cli = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js');
  const child: ChildProcess = spawn(
    process.execPath,
    // prettier-ignore
    [cli, 'proxy', document, `http://127.0.0.1:${upstreamPort}`, '--host', '127.0.0.1', '--port', String(port),
      '--errors=false', '--cors=false', '--verboseLevel', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
  );
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const ready = (async () => {
    const started = Date.now();
    while (!(await accepts(port))) {
      if (exited) throw new Error(`Prism exited before listening:\n${log}`);
      if (Date.now() - started > START_LIMIT_MS) throw new Error(`Prism did not listen within ${START_LIMIT_MS} ms:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  let failure: unknown = null;
  // Also keeps an early failure from being an unhandled rejection when nobody awaits `ready`.
  ready.catch((error: unknown) => (failure = error));

  return {
    url: `http://127.0.0.1:${port}`,
    ready,
    failure: () => failure,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
      dispatcher.server.closeAllConnections();
      await new Promise((resolve) => dispatcher.server.close(resolve));
      const violations = log.split('\n').filter((line) => /Violation: response\b/.test(line));
      return { validated: dispatcher.answered(), violations, log };
    },
  };
}

/** Resolves once `url` accepts connections (a proxy provided by the global setup may still be starting). */
export async function untilListening(url: string, limitMs = START_LIMIT_MS): Promise<void> {
  const port = Number(new URL(url).port);
  const started = Date.now();
  while (!(await accepts(port))) {
    if (Date.now() - started > limitMs)
      throw new Error(`Prism (${url}) is not listening after ${limitMs} ms: see the global setup's output`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
