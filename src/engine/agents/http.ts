// Plain JSON-over-HTTP calls: registered agents with protocol HTTP, and the `http` step type.
// `exchange` is the single place a request is sent and a failure classified, so both callers
// (and the A2A client's header/credential conventions) agree on what each failure means.

import { EgressError } from '../../egress/errors.ts';
import { withCredentialHeaders } from '../../egress/fetch.ts';
import { credentialHeaderProblem } from '../../egress/headers.ts';
import { capLogs, decodeText, readErrorBody, readReplyBody } from './body.ts';
import { AgentCallError, abortError, callSignals, describeCause, httpStatusError } from './errors.ts';
import type { CallSignals } from './errors.ts';
import type { AgentLog, AgentTarget, CallerRuntime, CallResult, HttpStepRequest, StepCall } from './types.ts';

/** Header carrying {@link StepCall.attempt}; the attempt never goes into the Idempotency-Key. */
export const ATTEMPT_HEADER = 'X-Flowdeck-Attempt';

/**
 * The headers every outbound request of a step carries: `Idempotency-Key` (stable across
 * redeliveries, so an agent can drop a request it has already served) and the attempt number.
 */
export function callHeaders(call: Pick<StepCall, 'idempotencyKey' | 'attempt'>): Record<string, string> {
  return { 'Idempotency-Key': call.idempotencyKey, [ATTEMPT_HEADER]: String(call.attempt) };
}

/**
 * Headers carrying the agent's credentials: `Authorization: Bearer …` or `<header>: <key>`.
 * They are meant for the agent's registered origin only: callers send them there and mark them
 * as credentials, so the egress fetch drops them if a redirect leaves that origin. An API-key
 * header name registration would refuse (a reserved or hop-by-hop header, registered before
 * the check existed) fails the call as a configuration error.
 */
export function agentAuthHeaders(agent: Pick<AgentTarget, 'name' | 'authType' | 'authConfig'>): Record<string, string> {
  const config = (agent.authConfig ?? {}) as Record<string, unknown>;
  switch (agent.authType) {
    case 'BEARER':
      return typeof config.token === 'string' ? { authorization: `Bearer ${config.token}` } : {};
    case 'APIKEY': {
      if (typeof config.key !== 'string') return {};
      const header = typeof config.header === 'string' && config.header !== '' ? config.header : 'X-API-Key';
      const problem = credentialHeaderProblem(header);
      if (problem) {
        throw new AgentCallError(`agent "${agent.name}" has an unusable API key header: ${problem}; update the agent's authConfig.header`, {
          kind: 'protocol',
        });
      }
      return { [header]: config.key };
    }
    default:
      return {};
  }
}

/** Rejects URLs fetch cannot use; a bad URL is a configuration error, never worth retrying. */
export function checkUrl(label: string, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AgentCallError(`${label} has an invalid URL: ${JSON.stringify(url)}`, { kind: 'protocol' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AgentCallError(`${label} URL must be http or https, got ${parsed.protocol}`, { kind: 'protocol' });
  }
}

/** JSON text of a request body; values JSON cannot carry (BigInt, cycles) are the caller's fault. */
export function encodeJson(label: string, value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    throw new AgentCallError(`${label}: the request body cannot be sent as JSON: ${describeCause(error)}`, {
      kind: 'protocol',
      cause: error,
    });
  }
}

interface OutboundRequest {
  method: string;
  url: string;
  headers: Headers;
  body?: string;
  /** Names of headers meant for this origin only (see `withCredentialHeaders`). */
  credentialHeaders: string[];
}

interface Reply {
  status: number;
  text: string;
}

/**
 * Sends one request under the call's signals and reads the reply, up to the size limit.
 * Network failures, deadlines, cancellation, oversized replies and non-2xx statuses come out
 * as {@link AgentCallError}s.
 */
async function exchange(deps: CallerRuntime, label: string, request: OutboundRequest, signals: CallSignals): Promise<Reply> {
  let response: Response;
  try {
    const init = { method: request.method, headers: request.headers, body: request.body, signal: signals.combined };
    response = await deps.fetch(request.url, withCredentialHeaders(init, request.credentialHeaders));
  } catch (error) {
    throw abortError(label, signals) ?? unreachable(label, request.url, error);
  }
  let text: string;
  try {
    // The signal stays attached while the body streams, so the deadline covers it too.
    text = response.ok
      ? decodeText(await readReplyBody(response, label, deps.maxResponseBytes))
      : (await readErrorBody(response, deps.maxResponseBytes)).text;
  } catch (error) {
    if (error instanceof AgentCallError) throw error;
    throw (
      abortError(label, signals) ??
      new AgentCallError(`${label} broke off its HTTP ${response.status} reply: ${describeCause(error)}`, {
        kind: 'network',
        statusCode: response.status,
        cause: error,
      })
    );
  }
  if (!response.ok) {
    throw httpStatusError(label, { status: response.status, retryAfter: response.headers.get('retry-after'), body: text }, deps.now());
  }
  return { status: response.status, text };
}

/**
 * The error for a request that got no response at all. undici reports network failures as a
 * TypeError with a `cause`; one without a cause means fetch refused to build the request
 * (a GET with a body, a bad method), which no retry will fix.
 */
export function unreachable(label: string, url: string, error: unknown): AgentCallError {
  // Decided before any connection, so the same message whether or not anything listens there.
  if (error instanceof EgressError) return new AgentCallError(`${label}: ${error.message}`, { kind: 'egress', cause: error });
  if (error instanceof TypeError && error.cause === undefined) {
    return new AgentCallError(`${label}: the request could not be sent: ${error.message}`, { kind: 'protocol', cause: error });
  }
  const where = label.includes(url) ? '' : ` at ${url}`;
  return new AgentCallError(`${label} is unreachable${where}: ${describeCause(error)}`, { kind: 'network', cause: error });
}

/** Parses a reply as JSON; an empty body is null. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Log lines from a reply shaped `{ logs: [...] }`: entries are `{level?, message, data?}` or
 * strings; anything else is kept as its JSON text rather than dropped. At most `maxEntries`
 * are kept, see {@link capLogs}.
 */
export function extractLogs(reply: unknown, maxEntries: number): AgentLog[] {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return [];
  const logs = (reply as { logs?: unknown }).logs;
  if (!Array.isArray(logs)) return [];
  // Cut before converting: a dropped entry costs nothing but its count.
  const kept = logs.slice(0, maxEntries).map((entry: unknown): AgentLog => {
    if (typeof entry === 'string') return { level: 'info', message: entry };
    if (typeof entry === 'object' && entry !== null && typeof (entry as AgentLog).message === 'string') {
      const { level, message, data } = entry as Partial<AgentLog> & { message: string };
      const log: AgentLog = { level: typeof level === 'string' && level !== '' ? level : 'info', message };
      if (data !== undefined) log.data = data;
      return log;
    }
    return { level: 'info', message: JSON.stringify(entry) ?? String(entry) };
  });
  return capLogs(kept, maxEntries, logs.length);
}

/**
 * `POST <agent.url>` with `{runId, stepId, attempt, idempotencyKey, input}`; the JSON reply is
 * the output.
 */
export async function callHttpAgent(deps: CallerRuntime, agent: AgentTarget, call: StepCall): Promise<CallResult> {
  const label = `agent "${agent.name}"`;
  checkUrl(label, agent.url);
  const envelope = {
    runId: call.runId,
    stepId: call.stepId,
    attempt: call.attempt,
    idempotencyKey: call.idempotencyKey,
    input: call.input,
  };
  const body = encodeJson(label, envelope);
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
  const credentials = agentAuthHeaders(agent);
  for (const [name, value] of Object.entries(credentials)) headers.set(name, value);
  for (const [name, value] of Object.entries(callHeaders(call))) headers.set(name, value);

  const signals = callSignals(call.signal, call.timeoutMs);
  const outbound = { method: 'POST', url: agent.url, headers, body, credentialHeaders: Object.keys(credentials) };
  const reply = await exchange(deps, label, outbound, signals);
  const parsed = parseJson(reply.text);
  if (!parsed.ok) {
    throw new AgentCallError(`${label} answered HTTP ${reply.status} with a body that is not JSON`, {
      kind: 'protocol',
      statusCode: reply.status,
      body: reply.text,
      cause: parsed.error,
    });
  }
  return { output: parsed.value, logs: extractLogs(parsed.value, deps.maxLogEntries), statusCode: reply.status };
}

/** Headers of an `http` step that may follow a redirect to another origin: content negotiation and the engine's own. */
const NOT_CREDENTIALS = new Set(['content-type', 'accept', 'idempotency-key', ATTEMPT_HEADER.toLowerCase()]);

/** The `http` step type: any method and URL; the output is the JSON reply, or its text. */
export async function callHttpService(deps: CallerRuntime, request: HttpStepRequest, call: StepCall): Promise<CallResult> {
  const method = request.method.toUpperCase();
  const label = `${method} ${request.url}`;
  checkUrl(label, request.url);
  const headers = new Headers();
  try {
    for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);
  } catch (error) {
    throw new AgentCallError(`${label}: invalid request header: ${describeCause(error)}`, { kind: 'protocol', cause: error });
  }
  let body: string | undefined;
  if (request.body !== undefined) {
    body = encodeJson(label, request.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  if (!headers.has('accept')) headers.set('accept', 'application/json, text/plain;q=0.9, */*;q=0.8');
  // The step's own headers (tokens, API keys, whatever they are) are meant for the URL it names:
  // none of them follows a redirect to another origin.
  const credentialHeaders = Object.keys(request.headers ?? {}).filter((name) => !NOT_CREDENTIALS.has(name.toLowerCase()));
  // Set last: a step's own headers cannot forge the engine's key or attempt.
  for (const [name, value] of Object.entries(callHeaders(call))) headers.set(name, value);

  const signals = callSignals(call.signal, call.timeoutMs);
  const reply = await exchange(deps, label, { method, url: request.url, headers, body, credentialHeaders }, signals);
  const parsed = parseJson(reply.text);
  return { output: parsed.ok ? parsed.value : reply.text, logs: [], statusCode: reply.status };
}
