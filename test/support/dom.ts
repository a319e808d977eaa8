// A DOM for hook tests that also run a Flowdeck server in-process. Vitest's jsdom environment
// replaces Node's URL, AbortSignal, Event and more with jsdom's, which the server (and Node's
// own APIs) cannot use; this module instead adds only what Node lacks (window, document,
// HTMLElement, MutationObserver...) from one jsdom window. Import it before anything that
// imports react-dom or Testing Library: they look for a DOM when they load.
import { createRequire } from 'node:module';

/** The part of jsdom's API used here (the package ships no types). */
interface JsdomModule {
  JSDOM: new (html: string, options: { url: string; pretendToBeVisual: boolean }) => { window: Window & typeof globalThis };
}

const { JSDOM } = createRequire(import.meta.url)('jsdom') as JsdomModule;
const { window } = new JSDOM('<!doctype html><html><body></body></html>', { url: 'http://localhost/', pretendToBeVisual: true });
const target = globalThis as unknown as Record<string, unknown>;
const source = window as unknown as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(window)) {
  if (key.startsWith('_') || key in globalThis) continue;
  target[key] = source[key];
}
target.window = window;
target.document = window.document;
