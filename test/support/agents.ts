// Real agents for tests: a plain JSON-over-HTTP agent and an A2A agent built with
// @a2a-js/sdk's server, both on 127.0.0.1 with a free port. They record every call, count
// concurrency and client disconnects, and let a handler block on a gate so tests can observe
// overlap, timeouts and aborts deterministically, without sleeps.

import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { Role, SendMessageRequest, TaskState } from '@a2a-js/sdk';
import type { AgentCard, Artifact, Message, Part, Task } from '@a2a-js/sdk';
import express from 'express';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request an agent received. */
export interface RecordedCall {
  path: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, the raw text when not JSON, undefined when empty. For A2A: the JSON-RPC envelope. */
  body: unknown;
}

/** A running test agent. */
export interface TestAgent {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request received, except `GET /health` and (A2A) agent-card fetches. */
  calls: RecordedCall[];
  /** Recorded requests being served now, and the most ever served at once. */
  inFlight: number;
  maxInFlight: number;
  /** Recorded requests whose client disconnected before the reply was sent. */
  aborted: number;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

/**
 * Computes a reply. HTTP agents get the request's JSON body and answer with the return value
 * as JSON; A2A agents get the data part's data and publish the return value as a data part.
 * Return or throw an {@link AgentReply} to answer with another status.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test handlers read bodies freely
export type AgentHandler = (body: any, call: RecordedCall) => unknown;

/** A reply with an explicit status; a string body is sent verbatim (for non-JSON replies), anything else as JSON. */
export class AgentReply {
  constructor(
    public status: number,
    public body: unknown,
    public headers: Record<string, string> = {},
  ) {}
}

/** A latch a handler can wait on until the test opens it. */
export function gate(): { wait: Promise<void>; open(): void } {
  let release: () => void = () => {};
  const wait = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { wait, open: () => release() };
}

/** Counters shared by both agents; `track` wraps one recorded request's lifetime. */
function createStats(): Omit<TestAgent, 'url' | 'close'> & { track(res: ServerResponse): void } {
  const stats = {
    calls: [] as RecordedCall[],
    inFlight: 0,
    maxInFlight: 0,
    aborted: 0,
    track(res: ServerResponse) {
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      res.on('close', () => {
        stats.inFlight -= 1;
        // 'close' before the reply ended means the client went away first.
        if (!res.writableEnded) stats.aborted += 1;
      });
    },
  };
  return stats;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // Handlers still blocked on a gate would otherwise keep close() waiting forever.
      server.closeAllConnections();
    });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendReply(res: ServerResponse, reply: AgentReply): void {
  if (res.writableEnded || res.destroyed) return;
  const text = typeof reply.body === 'string' ? reply.body : (JSON.stringify(reply.body) ?? 'null');
  const type = typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(reply.status, { 'content-type': type, ...reply.headers });
  res.end(text);
}

/** Runs a handler, turning returns, AgentReply throws and other throws into one reply. */
async function runHandler(handler: AgentHandler, body: unknown, call: RecordedCall): Promise<AgentReply> {
  try {
    const result = await handler(body, call);
    return result instanceof AgentReply ? result : new AgentReply(200, result ?? null);
  } catch (error) {
    if (error instanceof AgentReply) return error;
    return new AgentReply(500, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** A plain JSON-over-HTTP agent: every path runs the handler, `GET /health` answers 200. */
export async function startHttpAgent(handler: AgentHandler): Promise<TestAgent> {
  const stats = createStats();
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://agent').pathname;
      if (req.method === 'GET' && path === '/health') {
        sendReply(res, new AgentReply(200, { status: 'ok' }));
        return;
      }
      stats.track(res);
      const call: RecordedCall = { path, method: req.method ?? 'GET', headers: req.headers, body: undefined };
      stats.calls.push(call);
      try {
        call.body = parseBody(await readBody(req));
      } catch {
        return; // the client went away mid-body; 'close' has counted it
      }
      sendReply(res, await runHandler(handler, call.body, call));
    })();
  });
  const url = await listen(server);
  return Object.assign(stats, { url, close: closer(server) });
}

/** The path the test A2A agent serves JSON-RPC on; clients find it in the agent card. */
export const A2A_RPC_PATH = '/a2a/jsonrpc';

function dataPart(value: unknown): Part {
  return { content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' };
}

function textPart(value: string): Part {
  return { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

function agentMessage(ctx: RequestContext, parts: Part[]): Message {
  return {
    messageId: randomUUID(),
    contextId: ctx.contextId,
    taskId: '',
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** What the executor needs from the HTTP layer for one SendMessage, keyed by message id. */
interface PendingRpc {
  call: RecordedCall;
  /** Set when the handler chose an HTTP status; the JSON-RPC reply is then replaced by it. */
  override: AgentReply | null;
}

/**
 * Runs the test handler as an A2A AgentExecutor. Success is, by default, a Message with one data
 * part (the handler's return value), or a COMPLETED Task with one data artifact; a throw is a
 * Task in state FAILED whose status message is the error's message — what a well-behaved agent
 * does, and quieter than letting the SDK log it.
 */
class HandlerExecutor implements AgentExecutor {
  constructor(
    private readonly handler: AgentHandler,
    private readonly pending: Map<string, PendingRpc>,
    private readonly reply: 'message' | 'task',
  ) {}

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const message = ctx.userMessage;
    const entry = this.pending.get(message.messageId);
    const call = entry?.call ?? { path: A2A_RPC_PATH, method: 'POST', headers: {}, body: undefined };
    const data = message.parts.find((part) => part.content?.$case === 'data')?.content?.value as unknown;
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await this.handler(data, call) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const explicit = outcome.ok ? outcome.value : outcome.error;
    if (explicit instanceof AgentReply) {
      if (entry) entry.override = explicit;
      bus.publish(AgentEvent.message(agentMessage(ctx, [dataPart(null)])));
    } else if (!outcome.ok) {
      const text = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      bus.publish(AgentEvent.task(task(ctx, TaskState.TASK_STATE_FAILED, text, [])));
    } else if (this.reply === 'message') {
      bus.publish(AgentEvent.message(agentMessage(ctx, [dataPart(outcome.value ?? null)])));
    } else {
      const artifact: Artifact = {
        artifactId: randomUUID(),
        name: 'result',
        description: '',
        parts: [dataPart(outcome.value ?? null)],
        metadata: undefined,
        extensions: [],
      };
      bus.publish(AgentEvent.task(task(ctx, TaskState.TASK_STATE_COMPLETED, null, [artifact])));
    }
    bus.finished();
  }

  async cancelTask(): Promise<void> {
    // Tasks are published already finished; there is never a running one to cancel.
  }
}

function task(ctx: RequestContext, state: TaskState, statusText: string | null, artifacts: Artifact[]): Task {
  return {
    id: ctx.taskId,
    contextId: ctx.contextId,
    status: {
      state,
      message: statusText === null ? undefined : { ...agentMessage(ctx, [textPart(statusText)]), taskId: ctx.taskId },
      timestamp: new Date().toISOString(),
    },
    artifacts,
    history: [ctx.userMessage],
    metadata: undefined,
  };
}

/** Options of {@link startA2AAgent}. */
export interface A2AAgentOptions {
  /**
   * '1.0' (default) speaks A2A v1.0 (`SendMessage`); '0.3' advertises only a v0.3 interface, so
   * clients speak v0.3 (`message/send`, parts with `kind`) through the SDK's compat layer.
   */
  protocolVersion?: '1.0' | '0.3';
  /** How a successful reply is published: a Message (default) or a completed Task with one artifact. */
  reply?: 'message' | 'task';
}

/** The agent card of a test agent served at `url` (JSON-RPC at {@link A2A_RPC_PATH}), publishing `skills`. */
export function testAgentCard(
  url: string,
  options: { protocolVersion?: string; skills?: AgentCard['skills']; name?: string; description?: string } = {},
): AgentCard {
  return {
    name: options.name ?? 'Test agent',
    description: options.description ?? 'Answers with whatever the test handler returns.',
    supportedInterfaces: [
      { url: `${url}${A2A_RPC_PATH}`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: options.protocolVersion ?? '1.0' },
    ],
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: false, pushNotifications: false, extensions: [] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['application/json'],
    defaultOutputModes: ['application/json'],
    skills: options.skills ?? [],
    signatures: [],
  };
}

/**
 * A real A2A agent (JSON-RPC transport, v1.0 unless told otherwise) built from the SDK's DefaultRequestHandler and
 * express helpers. Its card is at `/.well-known/agent-card.json`, JSON-RPC at {@link A2A_RPC_PATH}.
 * The handler receives the first data part's data; its return value comes back as a Message
 * with one data part (or a completed Task with one data artifact, with `reply: 'task'`), a throw
 * as a FAILED Task, an {@link AgentReply} as that HTTP status.
 */
export async function startA2AAgent(handler: AgentHandler, options: A2AAgentOptions = {}): Promise<TestAgent> {
  const protocolVersion = options.protocolVersion ?? '1.0';
  const legacyCompat = { enabled: protocolVersion === '0.3' };
  const stats = createStats();
  const pending = new Map<string, PendingRpc>();
  const app = express();
  const server = createServer(app);
  const url = await listen(server);

  const card = testAgentCard(url, { protocolVersion });
  const requestHandler = new DefaultRequestHandler(
    card,
    new InMemoryTaskStore(),
    new HandlerExecutor(handler, pending, options.reply ?? 'message'),
  );

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: requestHandler, legacyCompat }));
  app.use(express.json(), (req: Request, res: Response, next) => {
    stats.track(res);
    const call: RecordedCall = { path: req.path, method: req.method, headers: req.headers, body: req.body };
    stats.calls.push(call);
    const messageId = messageIdOf(req.body);
    if (messageId === null) {
      next();
      return;
    }
    const entry: PendingRpc = { call, override: null };
    pending.set(messageId, entry);
    res.on('close', () => pending.delete(messageId));
    // The SDK answers with res.status(200).json(rpcResponse); swap in the handler's status.
    const json = res.json.bind(res);
    res.json = (payload: unknown) => {
      const override = entry.override;
      if (!override) return json(payload);
      sendReply(res, override);
      return res;
    };
    next();
  });
  app.use(A2A_RPC_PATH, jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication, legacyCompat }));

  return Object.assign(stats, { url, close: closer(server) });
}

/** The message id of a SendMessage JSON-RPC request, or null for anything else. */
function messageIdOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const params = (body as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return null;
  try {
    const id = SendMessageRequest.fromJSON(params).message?.messageId;
    return id ? id : null;
  } catch {
    return null;
  }
}
