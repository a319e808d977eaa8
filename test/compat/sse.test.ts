// Server-sent run streams (GET /api/v1/runs/{run_id}/events and seed 000's
// GET /api/v1/workflows/runs/{run_id}/stream), read over a real socket with fetch and a small
// SSE parser: ids are event sequences, event names are types, data carries a server timestamp;
// heartbeat comments; resuming with Last-Event-ID (header or query) delivers exactly the missed
// events; another workspace gets 404; a client that goes away frees the server-side stream.

import { Ajv2020 } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkspaceDocument } from '../gql/graphql.ts';
import { gate, startHttpAgent, type TestAgent } from '../support/agents.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dbId, expectMember, flows } from '../support/flows.ts';
import { restClient } from '../support/rest.ts';
import { until, within } from '../support/streams.ts';
import { waitForRun } from '../support/runs.ts';

/** One parsed server-sent message. */
interface Message {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A minimal text/event-stream reader (the WHATWG parsing rules for the fields used here):
 * records every message and every comment line, and lets a test wait for a condition.
 */
class SseReader {
  readonly messages: Message[] = [];
  readonly comments: string[] = [];
  response!: Response;
  ended = false;
  readonly #abort = new AbortController();
  #buffer = '';
  #wake: () => void = () => {};

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    reader.response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: reader.#abort.signal });
    if (reader.response.ok) void reader.#pump();
    return reader;
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
        this.#buffer += decoder.decode(chunk, { stream: true });
        this.#parse();
      }
    } catch {
      // Aborted by close().
    }
    this.ended = true;
    this.#wake();
  }

  #parse(): void {
    let end: number;
    while ((end = this.#buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const message: Message = { id: undefined, event: 'message', data: '' };
      let data: string[] | null = null;
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) {
          this.comments.push(line);
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') (data ??= []).push(value);
        else if (field === 'event') message.event = value;
        else if (field === 'id') message.id = value;
      }
      if (data) this.messages.push({ ...message, data: data.join('\n') });
    }
    this.#wake();
  }

  /** Resolves once `check` holds (re-checked on every chunk), or fails after the safety limit. */
  async until(check: (reader: SseReader) => boolean, what: string): Promise<void> {
    await within(
      (async () => {
        while (!check(this)) {
          if (this.ended) throw new Error(`the stream ended before ${what}`);
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
      })(),
      what,
    );
  }

  /** The parsed `data` of each message. */
  get data(): Record<string, unknown>[] {
    return this.messages.map((m) => JSON.parse(m.data) as Record<string, unknown>);
  }

  ids(): number[] {
    return this.messages.map((m) => Number(m.id));
  }

  close(): void {
    this.#abort.abort();
  }
}

let t: TestApp;
let base: string;
let rest: ReturnType<typeof restClient>;
let f: ReturnType<typeof flows>;
const agents: TestAgent[] = [];
const gates: (() => void)[] = [];
const readers: SseReader[] = [];

const v1Path = (runId: string) => `/api/v1/runs/${runId}/events`;
const historyPath = (runId: string) => `/api/v1/workflows/runs/${runId}/stream`;

async function open(path: string, headers?: Record<string, string>): Promise<SseReader> {
  const reader = await SseReader.open(`${base}${path}`, headers);
  readers.push(reader);
  return reader;
}

/** A test agent that waits for its gate; returns its registered name and the gate. */
async function gatedAgent(): Promise<{ name: string; open(): void }> {
  const g = gate();
  gates.push(() => g.open());
  const started = await startHttpAgent(async (body: { input: unknown }) => {
    await g.wait;
    return { got: body.input };
  });
  agents.push(started);
  return { name: await f.agent('sse-gated', started, { retryConfig: { maxRetries: 0 } }), open: () => g.open() };
}

/** Starts a run of `a` then `b` (both gated agents) then a transform; returns its database id. */
async function gatedRun(): Promise<{ runId: string; a: { open(): void }; b: { open(): void } }> {
  const a = await gatedAgent();
  const b = await gatedAgent();
  const wf = await f.workflow('sse-flow', {
    steps: [
      { id: 'a', type: 'agent', agent: a.name, input: { n: 1 } },
      { id: 'b', type: 'agent', agent: b.name, dependsOn: ['a'], input: { prev: '${a.output.got}' } },
      { id: 'c', type: 'transform', dependsOn: ['b'], expression: '"done"' },
    ],
  });
  return { runId: dbId((await f.execute(wf.id)).id), a, b };
}

/** The run's log through GraphQL, as the stream should present it. */
async function graphLog(runId: string) {
  return (await f.events(runId)).map((e) => ({ seq: e.seq, type: e.type, stepId: e.stepId, payload: e.payload, createdAt: e.createdAt }));
}

const lastSeq = (reader: SseReader) => reader.ids().at(-1) ?? 0;

beforeAll(async () => {
  t = await startTestApp({}, { WORKER_POLL_MS: '50', SSE_HEARTBEAT_MS: '200' });
  base = (await t.app.start()).url;
  rest = restClient(t);
  f = flows(t);
});
// Each test starts with no stream open on the server (which also proves closed clients free theirs).
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await until(() => t.app.streams.subscribers() === 0, 'every stream to be freed');
});
afterAll(async () => {
  for (const open of gates) open();
  await t?.close();
  await Promise.all(agents.map((a) => a.close()));
});

describe.each([
  ['GET /api/v1/runs/{run_id}/events', v1Path],
  ['GET /api/v1/workflows/runs/{run_id}/stream', historyPath],
])('%s', (_route, path) => {
  it('streams the whole run, replayed then live, as id = seq, event = type and JSON data with a server timestamp', async () => {
    const { runId, a, b } = await gatedRun();
    await waitForRun(t, runId, (r) => r.status === 'RUNNING');
    const reader = await open(path(runId));
    expect(reader.response.status).toBe(200);
    expect(reader.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await reader.until((r) => r.messages.some((m) => m.event === 'step.started'), 'step a to start');
    a.open();
    b.open();
    await reader.until((r) => r.messages.some((m) => m.event === 'run.completed'), 'the run to complete');

    const log = await graphLog(runId);
    expect(reader.ids()).toEqual(log.map((e) => e.seq));
    expect(reader.ids()).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
    expect(reader.messages.map((m) => m.event)).toEqual(log.map((e) => e.type));
    const before = Date.now();
    reader.data.forEach((data, i) => {
      const event = log[i];
      expect(data).toEqual({
        seq: event?.seq,
        type: event?.type,
        run_id: runId,
        step_id: event?.stepId ?? null,
        payload: event?.payload,
        created_at: event?.createdAt,
        timestamp: expect.any(String),
      });
      expect(Date.parse(data.timestamp as string)).toBeGreaterThanOrEqual(Date.parse(data.created_at as string));
      expect(Date.parse(data.timestamp as string)).toBeLessThanOrEqual(before);
    });
    expect(reader.data.find((d) => d.type === 'step.completed' && d.step_id === 'b')?.payload).toMatchObject({
      output: { got: { prev: { n: 1 } } },
    });
  });

  it('a client that drops mid-run and reconnects with Last-Event-ID gets exactly the events it missed, then live ones', async () => {
    const { runId, a, b } = await gatedRun();
    const first = await open(path(runId));
    await first.until((r) => r.messages.some((m) => m.event === 'step.started'), 'step a to start');
    const seen = lastSeq(first);
    first.close();
    await until(() => t.app.streams.subscribers() === 0, 'the dropped stream to be freed');

    // While it is away: a completes and b starts.
    a.open();
    let log = await graphLog(runId);
    const started = Date.now();
    while (!log.some((e) => e.type === 'step.started' && e.stepId === 'b')) {
      if (Date.now() - started > 15_000) throw new Error('gave up waiting for step b to start');
      await new Promise((resolve) => setTimeout(resolve, 25));
      log = await graphLog(runId);
    }
    const missed = log.filter((e) => e.seq > seen);
    expect(missed.length).toBeGreaterThan(0);

    const again = await open(path(runId), { 'last-event-id': String(seen) });
    await again.until((r) => r.messages.length >= missed.length, 'the missed events');
    expect(again.ids().slice(0, missed.length)).toEqual(missed.map((e) => e.seq));
    b.open();
    await again.until((r) => r.messages.some((m) => m.event === 'run.completed'), 'the run to complete');
    log = await graphLog(runId);
    // Together the two connections saw every event exactly once.
    expect([...first.ids(), ...again.ids()]).toEqual(log.map((e) => e.seq));
  });

  it('resumes from the last_event_id query parameter too, and the header wins over it', async () => {
    const { runId, a, b } = await gatedRun();
    a.open();
    b.open();
    await waitForRun(t, runId);
    const total = (await graphLog(runId)).length;

    const byQuery = await open(`${path(runId)}?last_event_id=3`);
    await byQuery.until((r) => r.messages.length === total - 3, 'the events after 3');
    expect(byQuery.ids()).toEqual(Array.from({ length: total - 3 }, (_, i) => i + 4));

    const both = await open(`${path(runId)}?last_event_id=1`, { 'last-event-id': String(total - 1) });
    await both.until((r) => r.messages.length === 1, 'the last event');
    expect(both.ids()).toEqual([total]);
  });
});

describe('stream lifecycle', () => {
  it('sends heartbeat comments while idle (SSE_HEARTBEAT_MS)', async () => {
    const { runId, a, b } = await gatedRun();
    a.open();
    b.open();
    await waitForRun(t, runId);
    const reader = await open(v1Path(runId));
    await reader.until((r) => r.messages.some((m) => m.event === 'run.completed'), 'the replay');
    await reader.until((r) => r.comments.some((c) => c.startsWith(': heartbeat')), 'a heartbeat comment');
    expect(reader.ended).toBe(false);
  });

  it('a client that disconnects frees the server-side stream', async () => {
    const { runId } = await gatedRun();
    const before = t.app.streams.subscribers();
    expect(before).toBe(0);
    const readersOpen = [await open(v1Path(runId)), await open(historyPath(runId))];
    for (const reader of readersOpen) await reader.until((r) => r.messages.length > 0, 'the first event');
    expect(t.app.streams.subscribers()).toBe(before + 2);
    for (const reader of readersOpen) reader.close();
    await until(() => t.app.streams.subscribers() === before, 'the streams to be freed');
  });

  it('documents both routes as text/event-stream, and every message data matches SseRunEventData', async () => {
    const doc = (await rest.openapi()) as unknown as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
      components: { schemas: Record<string, unknown> };
    };
    for (const template of ['/api/v1/runs/{run_id}/events', '/api/v1/workflows/runs/{run_id}/stream']) {
      const responses = doc.paths[template]?.get?.responses ?? {};
      expect(Object.keys(responses['200']?.content ?? {})).toEqual(['text/event-stream']);
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '404', '422']));
    }
    const { runId, a, b } = await gatedRun();
    a.open();
    b.open();
    await waitForRun(t, runId);
    const reader = await open(historyPath(runId));
    await reader.until((r) => r.messages.some((m) => m.event === 'run.completed'), 'the replay');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (createRequire(import.meta.url)('ajv-formats') as (a: typeof ajv) => void)(ajv);
    ajv.addSchema(doc, 'openapi.json');
    const validate = ajv.compile({ $ref: 'openapi.json#/components/schemas/SseRunEventData' });
    for (const data of reader.data) expect(validate(data), ajv.errorsText(validate.errors)).toBe(true);
  });
});

describe('authorization and errors', () => {
  it("answers 404, before any stream opens, for another workspace's run and for unknown runs; 422 for a bad resume point", async () => {
    const { runId } = await gatedRun();
    const slug = 'sse-other-team';
    expectMember((await t.ok(CreateWorkspaceDocument, { input: { name: 'SSE other team', slug } })).createWorkspace, 'Workspace');
    for (const path of [v1Path, historyPath]) {
      const other = await rest.get(path(runId), { headers: { 'x-workspace-slug': slug } });
      expect(other.status).toBe(404);
      expect(other.headers.get('content-type')).toMatch(/^application\/json/);
      const unknown = await rest.get(path('no-such-run'));
      expect(unknown.status).toBe(404);
      const bad = await rest.get(path(runId), { headers: { 'last-event-id': 'yesterday' } });
      expect(bad.status).toBe(422);
      expect(bad.body.detail[0].loc).toEqual(['header', 'last-event-id']);
      const negative = await rest.get(`${path(runId)}?last_event_id=-1`);
      expect(negative.status).toBe(422);
    }
    expect(t.app.streams.subscribers()).toBe(0);
  });
});
