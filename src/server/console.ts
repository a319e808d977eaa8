// The run console (src/console, built by `npm run build:console`) served as static files at
// /console. It is public like /docs: the page itself holds no data, and every API call it makes
// carries the signed-in person's credential, so the REST layer's authentication is not in front of it.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';

/** Where the console is served. */
export const CONSOLE_PATH = '/console';

/** Where `npm run build:console` writes the console (vite's outDir in src/console/vite.config.ts). */
export const DEFAULT_CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/console');

/** Whether a request path belongs to the console (and so bypasses the API's routes). */
export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

/** Options of {@link createConsole}. */
export interface ConsoleOptions {
  /** The built console (index.html and assets/); read on every request, so a rebuild needs no restart. */
  dir: string;
}

// Vite names every file under assets/ by a hash of its content: a changed file is a new URL.
const IMMUTABLE = 'public, max-age=31536000, immutable';
// index.html names the current assets, so a browser must ask again each time (it may revalidate).
const NO_CACHE = 'no-cache';

/**
 * The console's Content-Security-Policy: scripts, styles and fonts only from this server, API
 * calls only to this server (HTTP, and WebSockets to the same host, which older browsers do not
 * count as 'self'), no framing, no plugins.
 */
export function consoleContentSecurityPolicy(host: string, secure: boolean): string {
  const ws = secure ? `wss://${host}` : `ws://${host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const NOT_BUILT = `The run console is not built. Run \`npm run build:console\` (or \`npm install\`, which builds it) and reload this page.\n`;

/**
 * The console as a fetch handler for paths under /console: hashed assets with a long cache, any
 * other path that is not a file answers index.html (the client-side routes, e.g.
 * /console/runs/<id>), and 503 with instructions while the build is missing.
 */
export function createConsole(options: ConsoleOptions): { fetch: (request: Request) => Promise<Response> } {
  const dir = options.dir;
  const indexFile = join(dir, 'index.html');
  const app = new Hono();
  // The console's files sit at the root of `dir`; the URL adds /console in front.
  const rewriteRequestPath = (path: string) => path.slice(CONSOLE_PATH.length) || '/';

  app.use('*', async (c, next) => {
    await next();
    const url = new URL(c.req.url);
    c.header('Content-Security-Policy', consoleContentSecurityPolicy(url.host, url.protocol === 'https:'));
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return c.text('Method Not Allowed\n', 405, { Allow: 'GET, HEAD' });
    }
    if (!existsSync(indexFile)) return c.text(NOT_BUILT, 503, { 'Cache-Control': 'no-store', 'Retry-After': '60' });
    return next();
  });
  // Made on first use, once the build exists: serveStatic complains on stderr about a missing root.
  let assets: MiddlewareHandler | null = null;
  let files: MiddlewareHandler | null = null;
  app.use(`${CONSOLE_PATH}/assets/*`, (c, next) =>
    (assets ??= serveStatic({ root: dir, rewriteRequestPath, onFound: (_path, c) => void c.header('Cache-Control', IMMUTABLE) }))(c, next),
  );
  // An asset that is not there is a stale page or a typo: answering index.html would hide it.
  app.get(`${CONSOLE_PATH}/assets/*`, (c) => c.text('Not Found\n', 404));
  // Other files of the build (e.g. an icon from src/console/public); directories fall through.
  app.use(`${CONSOLE_PATH}/*`, (c, next) =>
    (files ??= serveStatic({
      root: dir,
      rewriteRequestPath,
      index: '.none',
      onFound: (_path, c) => void c.header('Cache-Control', NO_CACHE),
    }))(c, next),
  );
  app.get('*', async (c) => {
    const html = await readFile(indexFile);
    return c.body(html, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': NO_CACHE });
  });
  return { fetch: (request) => Promise.resolve(app.fetch(request)) };
}
