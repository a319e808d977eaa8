// Real-browser tests of the run console: Debian's chromium driven by playwright-core, and the
// console built from the current sources with vite's build() API into a scratch directory.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where screenshots of the console are kept (gitignored test artifacts). */
export const CONSOLE_ARTIFACTS = join(repo, 'test/artifacts/console');

/** Every browser wait's safety limit: a broken console fails the test instead of hanging it. */
export const BROWSER_LIMIT_MS = 15_000;

/**
 * The chromium executable: CHROMIUM_PATH, else Debian's /usr/bin/chromium. Throws a message
 * saying how to install it when neither exists.
 */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No chromium at ${path}: the console's browser tests need one. Install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable.`,
    );
  }
  return path;
}

/** Launches a headless chromium (no sandbox: CI containers run as root). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'], headless: true });
}

/** A console build in a scratch directory. */
export interface ConsoleBuild {
  dir: string;
  /** Wall time of the build. */
  ms: number;
  remove(): Promise<void>;
}

/** Builds the console from src/console with its own vite config, into a fresh scratch directory. */
export async function buildConsole(): Promise<ConsoleBuild> {
  const { build } = await import('vite');
  const dir = await mkdtemp(join(tmpdir(), 'flowdeck-console-'));
  const started = performance.now();
  // Vite builds for the NODE_ENV it finds, and vitest sets `test`: that would bundle React's
  // development build. The console is tested as it ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(repo, 'src/console/vite.config.ts'),
      build: { outDir: dir, emptyOutDir: true },
      logLevel: 'error',
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return { dir, ms: Math.round(performance.now() - started), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Saves a full-page screenshot as test/artifacts/console/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(CONSOLE_ARTIFACTS, { recursive: true });
  const path = join(CONSOLE_ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Waits until `read` (evaluated against the page, e.g. a locator's text) satisfies `check`,
 * re-reading as the page changes; returns the last value. playwright-core has no `expect`, so
 * this is the condition wait for values that are not just "visible".
 */
export async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, limitMs = BROWSER_LIMIT_MS): Promise<T> {
  const started = Date.now();
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (error) {
      // A locator that matches nothing yet throws; keep waiting unless time is up.
      if (Date.now() - started > limitMs) throw error;
    }
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The rows of a table's body as arrays of cell texts (header cells included). */
export function tableRows(table: Locator): Promise<string[][]> {
  return table
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('th, td'), (cell) => (cell.textContent ?? '').trim())));
}

/** Collects the page's console errors and uncaught exceptions (a test asserts there are none, CSP violations included). */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}
