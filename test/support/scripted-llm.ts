/**
 * Test double: a local OpenAI-compatible server (127.0.0.1) whose next answer the test sets, and
 * a way to start an app whose parse service uses it. The corpus-backed fake that answers every
 * evaluation instruction is test/support/fake-llm.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from './app.ts';

export interface ScriptedLlm {
  /** Base URL to give as `LLM_PARSER_URL` (`…/v1`). */
  url: string;
  /** Every request to `/v1/chat/completions`, in order. */
  requests: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[];
  /** What the next calls answer: a 200 with `content` as the assistant message, or that status with an error body. */
  reply: { status: number; content?: string };
  close(): Promise<void>;
}

/** Starts the server on a free loopback port; it answers `{}` until the test sets `reply`. */
export async function startScriptedLlm(): Promise<ScriptedLlm> {
  const fake = { requests: [], reply: { status: 200, content: '{}' } } as unknown as ScriptedLlm;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      fake.requests.push({ headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> });
      if (fake.reply.status !== 200) {
        res.writeHead(fake.reply.status, { 'content-type': 'application/json' }).end('{"error":{"message":"upstream exploded"}}');
        return;
      }
      const message = { role: 'assistant', content: fake.reply.content };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

/**
 * Starts an app whose parse service uses the LLM at `url`. The service reads the variables once,
 * when it is built, so they are restored right after (which also proves it).
 */
export async function startAppWithLlm(url: string, settings: { apiKey?: string; model?: string } = {}): Promise<TestApp> {
  const names = ['LLM_PARSER_URL', 'LLM_PARSER_API_KEY', 'LLM_PARSER_MODEL'] as const;
  const saved = names.map((name) => [name, process.env[name]] as const);
  process.env.LLM_PARSER_URL = url;
  if (settings.apiKey !== undefined) process.env.LLM_PARSER_API_KEY = settings.apiKey;
  if (settings.model !== undefined) process.env.LLM_PARSER_MODEL = settings.model;
  try {
    return await startTestApp();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
