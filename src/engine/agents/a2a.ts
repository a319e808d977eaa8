// A2A agents, through @a2a-js/sdk's client: the agent card at <url>/.well-known/agent-card.json
// picks the transport (JSON-RPC preferred), then one blocking SendMessage carries the step input
// as a data part. The SDK reports failures as plain Errors, so a custom fetch records what
// happened on the wire (status, body, socket error) and the failure is classified from that.
// The client built from a card is cached per agent URL and credentials (review finding m14), so
// that fetch cannot be bound to one call: it finds the current call's headers, signals and trace
// through an AsyncLocalStorage.

import { Role, TaskState, taskStateToJSON } from '@a2a-js/sdk';
import type { Message, Part, SendMessageRequest, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, RestTransportFactory } from '@a2a-js/sdk/client';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { withCredentialHeaders } from '../../egress/fetch.ts';
import { sameOrigin } from '../../egress/headers.ts';
import { oversizeError, readErrorBody, readReplyBody } from './body.ts';
import { AgentCallError, abortError, callSignals, describeCause, httpStatusError } from './errors.ts';
import type { CallSignals } from './errors.ts';
import { agentAuthHeaders, callHeaders, checkUrl, unreachable } from './http.ts';
import { TtlLruCache } from './ttl-cache.ts';
import type { AgentTarget, CallerRuntime, CallResult, StepCall } from './types.ts';

/** Default bounds of the A2A client cache: clients for this many agents, each for this long. */
export const DEFAULT_A2A_CLIENT_CACHE = { maxEntries: 256, ttlMs: 5 * 60_000 };

/** Statuses that cannot carry a body, which `new Response` refuses one for. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** What the custom fetch saw, for classifying whatever the SDK throws. */
interface WireTrace {
  lastStatus: number | null;
  failure: { url: string; status: number; retryAfter: string | null; body: string } | null;
  networkError: { url: string; error: unknown } | null;
  /** A reply past the size limit, from this URL with this status. */
  oversize: { url: string; status: number } | null;
}

/** The call a request of a (shared, cached) client is made for. */
interface CallScope {
  /** The Idempotency-Key and the attempt, sent with every request. */
  headers: Record<string, string>;
  /** The agent's credentials, sent only to {@link origin}: never to an endpoint the card names elsewhere. */
  credentials: Record<string, string>;
  /** The origin of the agent's registered URL. */
  origin: string;
  signals: CallSignals;
  trace: WireTrace;
}

/** The A2A side of one agent caller: its cached clients and how their requests find their call. */
export interface A2AClients {
  cache: TtlLruCache<Client>;
  scope: AsyncLocalStorage<CallScope>;
  fetchImpl: typeof fetch;
}

/**
 * A fetch for the SDK that adds the current call's headers to every request (the card fetch
 * included) and its credentials to those for the agent's registered origin, marked so they do
 * not follow a redirect off it; ties every request to the call's signals — the SDK's card
 * resolver takes no signal of its own — reads every body under the size limit and records
 * failures in the call's trace.
 */
function tracingFetch(deps: CallerRuntime, scope: AsyncLocalStorage<CallScope>): typeof fetch {
  return async (input, init) => {
    const call = scope.getStore();
    if (!call) throw new Error('an A2A request was made outside of a step call');
    const { signals, trace } = call;
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [name, value] of Object.entries(call.headers)) headers.set(name, value);
    // The card may name a transport URL on any host; the agent's secret is only for its own origin.
    const credentials = sameOrigin(url, call.origin) ? call.credentials : {};
    for (const [name, value] of Object.entries(credentials)) headers.set(name, value);
    let response: Response;
    try {
      response = await deps.fetch(input, withCredentialHeaders({ ...init, headers, signal: signals.combined }, Object.keys(credentials)));
    } catch (error) {
      trace.networkError = { url, error };
      throw error;
    }
    trace.lastStatus = response.status;
    let bytes: Uint8Array;
    try {
      if (response.ok) {
        bytes = await readReplyBody(response, url, deps.maxResponseBytes);
      } else {
        const read = await readErrorBody(response, deps.maxResponseBytes);
        bytes = read.bytes;
        trace.failure = { url, status: response.status, retryAfter: response.headers.get('retry-after'), body: read.text };
      }
    } catch (error) {
      if (error instanceof AgentCallError) trace.oversize = { url, status: response.status };
      else trace.networkError = { url, error };
      throw error;
    }
    // The SDK reads the body itself; hand it the bytes read, unchanged.
    // Bodies read from fetch are backed by plain ArrayBuffers; only the type says otherwise.
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : (bytes as Uint8Array<ArrayBuffer>), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The A2A clients of one agent caller, cached within the given bounds. */
export function createA2AClients(deps: CallerRuntime, cache: { maxEntries?: number; ttlMs?: number } = {}): A2AClients {
  const scope = new AsyncLocalStorage<CallScope>();
  return {
    cache: new TtlLruCache<Client>(
      cache.maxEntries ?? DEFAULT_A2A_CLIENT_CACHE.maxEntries,
      cache.ttlMs ?? DEFAULT_A2A_CLIENT_CACHE.ttlMs,
      deps.now,
    ),
    scope,
    fetchImpl: tracingFetch(deps, scope),
  };
}

/** Agents at one URL with the same credentials share a client; the key holds no secret in clear. */
function cacheKey(agent: AgentTarget): string {
  return createHash('sha256')
    .update(JSON.stringify([agent.url, agent.authType, agent.authConfig ?? null]))
    .digest('hex');
}

/** A client from the agent card at `cardUrl`, the cached one if still fresh. */
async function clientFor(clients: A2AClients, key: string, cardUrl: string): Promise<Client> {
  const cached = clients.cache.get(key);
  if (cached) return cached;
  const { fetchImpl } = clients;
  const legacyCompat = { enabled: true };
  const factory = new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl, legacyCompat }), new RestTransportFactory({ fetchImpl, legacyCompat })],
    preferredTransports: ['JSONRPC'],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl, legacyCompat }),
  });
  // An empty path makes the resolver fetch cardUrl itself rather than resolve against it.
  const client = await factory.createFromUrl(cardUrl, '');
  clients.cache.set(key, client);
  return client;
}

/** A2A data parts carry objects; anything else is wrapped as `{value}`. */
function asDataObject(input: unknown): Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : { value: input };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dataOf(parts: Part[]): unknown[] {
  return parts.flatMap((part) => (part.content?.$case === 'data' ? [part.content.value as unknown] : []));
}

function textOf(parts: Part[]): string[] {
  return parts.flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : []));
}

/**
 * A reply Message's output: one data part is its data; text alone is `{text}`; several data
 * parts (and any text) are merged into one object when they are all objects, else listed.
 */
function messageOutput(parts: Part[]): unknown {
  const data = dataOf(parts);
  const texts = textOf(parts);
  const text = texts.length > 0 ? { text: texts.join('\n') } : null;
  if (data.length === 0) return text;
  if (data.length === 1 && text === null) return data[0];
  if (data.every(isPlainObject)) return Object.assign({}, ...data, text);
  return text === null ? data : [...data, text];
}

/** A completed Task's output: its artifacts' data parts (one → its data, several → array). */
function taskOutput(task: Task): unknown {
  const parts = task.artifacts.flatMap((artifact) => artifact.parts);
  const data = dataOf(parts);
  if (data.length === 1) return data[0];
  if (data.length > 1) return data;
  const texts = textOf(parts);
  if (texts.length > 0) return { text: texts.join('\n') };
  // Some agents answer in the final status message instead of an artifact.
  return task.status?.message ? messageOutput(task.status.message.parts) : null;
}

/** `TASK_STATE_INPUT_REQUIRED` → `input-required`, as A2A documents name states. */
function stateName(state: TaskState): string {
  return taskStateToJSON(state)
    .replace(/^TASK_STATE_/, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

function resultOutput(label: string, result: Message | Task, statusCode: number | null): unknown {
  if ('messageId' in result) return messageOutput(result.parts);
  const state = result.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;
  if (state === TaskState.TASK_STATE_COMPLETED) return taskOutput(result);
  const said = textOf(result.status?.message?.parts ?? [])
    .join(' ')
    .trim();
  const reason = said === '' ? '' : `: ${said}`;
  const what =
    state === TaskState.TASK_STATE_FAILED
      ? 'task failed'
      : state === TaskState.TASK_STATE_REJECTED
        ? 'rejected the task'
        : state === TaskState.TASK_STATE_CANCELED
          ? 'task was canceled'
          : `left the task in state ${stateName(state)}, which a workflow step cannot continue`;
  throw new AgentCallError(`${label} ${what}${reason}`, { kind: 'protocol', statusCode });
}

/** A JSON-RPC error envelope's `error`, if the body is one. */
function jsonRpcErrorOf(body: string): { code: unknown; message: unknown } | null {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (isPlainObject(parsed) && isPlainObject(parsed.error)) {
      return { code: parsed.error.code, message: parsed.error.message };
    }
  } catch {
    // not JSON: an HTTP error, not a JSON-RPC one
  }
  return null;
}

/** Turns whatever the SDK threw into an AgentCallError, from the signals and the wire trace. */
function classify(
  agentLabel: string,
  cardUrl: string | null,
  error: unknown,
  signals: CallSignals,
  trace: WireTrace,
  now: number,
  maxResponseBytes: number,
): AgentCallError {
  const aborted = abortError(agentLabel, signals);
  if (aborted) return aborted;
  // Failures while resolving the card name it, since the agent's URL alone would mislead.
  const label = cardUrl === null ? agentLabel : `${agentLabel} (agent card ${cardUrl})`;
  // Before the SDK's error, which may be the fetch's own one, labelled with a bare URL.
  if (trace.oversize) return oversizeError(label, maxResponseBytes, trace.oversize.status);
  if (error instanceof AgentCallError) return error;
  if (trace.networkError) return unreachable(agentLabel, trace.networkError.url, trace.networkError.error);
  const failure = trace.failure;
  if (failure) {
    const rpcError = jsonRpcErrorOf(failure.body);
    // A JSON-RPC error the agent chose to send with a 4xx is its verdict, not a transient fault.
    if (rpcError && failure.status < 500 && failure.status !== 429) {
      return new AgentCallError(`${label} answered JSON-RPC error ${String(rpcError.code)}: ${String(rpcError.message)}`, {
        kind: 'protocol',
        statusCode: failure.status,
        body: failure.body,
        cause: error,
      });
    }
    return httpStatusError(label, failure, now);
  }
  const code = isPlainObject(error) && 'envelopeCode' in error ? ` ${String(error.envelopeCode)}` : '';
  const what = cardUrl !== null ? 'is not a usable agent card' : `answered with an A2A error${code}`;
  return new AgentCallError(`${label} ${what}: ${describeCause(error)}`, {
    kind: 'protocol',
    statusCode: trace.lastStatus,
    cause: error,
  });
}

/**
 * Sends the step input to an A2A agent as one blocking SendMessage and returns its reply's data.
 * Works with v1.0 agents and, through the SDK's compat layer, v0.3 ones (`message/send`).
 */
export async function callA2AAgent(deps: CallerRuntime, clients: A2AClients, agent: AgentTarget, call: StepCall): Promise<CallResult> {
  const label = `agent "${agent.name}"`;
  checkUrl(label, agent.url);
  const cardUrl = `${agent.url.replace(/\/+$/, '')}/.well-known/agent-card.json`;
  const signals = callSignals(call.signal, call.timeoutMs);
  const trace: WireTrace = { lastStatus: null, failure: null, networkError: null, oversize: null };
  const scope: CallScope = {
    headers: callHeaders(call),
    credentials: agentAuthHeaders(agent),
    origin: new URL(agent.url).origin,
    signals,
    trace,
  };
  const metadata = { runId: call.runId, stepId: call.stepId, attempt: call.attempt, idempotencyKey: call.idempotencyKey };
  const request: SendMessageRequest = {
    tenant: '',
    message: {
      messageId: randomUUID(),
      contextId: '',
      taskId: '',
      role: Role.ROLE_USER,
      parts: [{ content: { $case: 'data', value: asDataObject(call.input) }, metadata: undefined, filename: '', mediaType: '' }],
      metadata,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };

  const key = cacheKey(agent);
  return clients.scope.run(scope, async () => {
    let client: Client;
    try {
      client = await clientFor(clients, key, cardUrl);
    } catch (error) {
      throw classify(label, cardUrl, error, signals, trace, deps.now(), deps.maxResponseBytes);
    }
    let result: Message | Task;
    try {
      result = await client.sendMessage(request, { signal: signals.combined });
    } catch (error) {
      // The card may be stale (the agent moved its endpoint); the next attempt fetches it again.
      clients.cache.delete(key);
      throw classify(label, null, error, signals, trace, deps.now(), deps.maxResponseBytes);
    }
    return { output: resultOutput(label, result, trace.lastStatus), logs: [], statusCode: trace.lastStatus };
  });
}
