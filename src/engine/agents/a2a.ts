// A2A agents, through @a2a-js/sdk's client: the agent card at <url>/.well-known/agent-card.json
// picks the transport (JSON-RPC preferred), then one blocking SendMessage carries the step input
// as a data part. The SDK reports failures as plain Errors, so a custom fetch records what
// happened on the wire (status, body, socket error) and the failure is classified from that.

import { Role, TaskState, taskStateToJSON } from '@a2a-js/sdk';
import type { Message, Part, SendMessageRequest, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, RestTransportFactory } from '@a2a-js/sdk/client';
import { randomUUID } from 'node:crypto';
import { AgentCallError, abortError, callSignals, describeCause, httpStatusError } from './errors.ts';
import type { CallSignals } from './errors.ts';
import { agentAuthHeaders, checkUrl, idempotencyKey, unreachable } from './http.ts';
import type { AgentCallerDeps, AgentTarget, CallResult, StepCall } from './types.ts';

/** Statuses that cannot carry a body, which `new Response` refuses one for. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** What the custom fetch saw, for classifying whatever the SDK throws. */
interface WireTrace {
  lastStatus: number | null;
  failure: { url: string; status: number; retryAfter: string | null; body: string } | null;
  networkError: { url: string; error: unknown } | null;
}

/**
 * A fetch for the SDK that adds the agent's credentials and the Idempotency-Key to every request
 * (the card fetch included), ties it to the call's signals — the SDK's card resolver takes no
 * signal of its own — and records failures in `trace`.
 */
function tracingFetch(deps: AgentCallerDeps, extraHeaders: Record<string, string>, signals: CallSignals, trace: WireTrace): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
    let response: Response;
    try {
      response = await deps.fetch(input, { ...init, headers, signal: signals.combined });
    } catch (error) {
      trace.networkError = { url, error };
      throw error;
    }
    trace.lastStatus = response.status;
    if (response.ok) return response;
    let body: string;
    try {
      body = await response.text();
    } catch (error) {
      trace.networkError = { url, error };
      throw error;
    }
    trace.failure = { url, status: response.status, retryAfter: response.headers.get('retry-after'), body };
    // The SDK reads the body again to build its own error; hand it an unread copy.
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
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
): AgentCallError {
  if (error instanceof AgentCallError) return error;
  const aborted = abortError(agentLabel, signals);
  if (aborted) return aborted;
  if (trace.networkError) return unreachable(agentLabel, trace.networkError.url, trace.networkError.error);
  // Failures while resolving the card name it, since the agent's URL alone would mislead.
  const label = cardUrl === null ? agentLabel : `${agentLabel} (agent card ${cardUrl})`;
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
export async function callA2AAgent(deps: AgentCallerDeps, agent: AgentTarget, call: StepCall): Promise<CallResult> {
  const label = `agent "${agent.name}"`;
  checkUrl(label, agent.url);
  const cardUrl = `${agent.url.replace(/\/+$/, '')}/.well-known/agent-card.json`;
  const signals = callSignals(call.signal, call.timeoutMs);
  const trace: WireTrace = { lastStatus: null, failure: null, networkError: null };
  const fetchImpl = tracingFetch(deps, { ...agentAuthHeaders(agent), 'Idempotency-Key': idempotencyKey(call) }, signals, trace);
  const legacyCompat = { enabled: true };
  const factory = new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl, legacyCompat }), new RestTransportFactory({ fetchImpl, legacyCompat })],
    preferredTransports: ['JSONRPC'],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl, legacyCompat }),
  });
  const metadata = { runId: call.runId, stepId: call.stepId, attempt: call.attempt };
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

  let client: Client;
  try {
    // An empty path makes the resolver fetch cardUrl itself rather than resolve against it.
    client = await factory.createFromUrl(cardUrl, '');
  } catch (error) {
    throw classify(label, cardUrl, error, signals, trace, (deps.now ?? Date.now)());
  }
  let result: Message | Task;
  try {
    result = await client.sendMessage(request, { signal: signals.combined });
  } catch (error) {
    throw classify(label, null, error, signals, trace, (deps.now ?? Date.now)());
  }
  return { output: resultOutput(label, result, trace.lastStatus), logs: [], statusCode: trace.lastStatus };
}
