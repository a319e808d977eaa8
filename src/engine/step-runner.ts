import type { Agent } from '../db/models.ts';
import type { Step } from '../domain/definition/schema.ts';
import type { StepErrorKind } from '../domain/failures.ts';
import { type AgentCaller, AgentCallError, type AgentLog } from './agents/call.ts';
import { evaluateCondition } from './conditions.ts';
import { type DataContext, resolveMapping } from './dataflow.ts';
import { effectivePolicy, type RetryPolicy } from './retry.ts';
import { TransformError } from './transform.ts';
import type { TransformPool } from './transform-pool.ts';

/** Default per-attempt timeout of steps that call out without an agent (http). */
export const DEFAULT_STEP_TIMEOUT_MS = 30_000;

/** What an attempt produced. */
export interface AttemptSuccess {
  output: unknown;
  logs: AgentLog[];
  statusCode: number | null;
}

/** Why an attempt failed, in the shape stored on the attempt and shown through the API. */
export interface AttemptFailure {
  message: string;
  /** One of the kinds the API's StepErrorKind enum knows, so none can be recorded that it would not. */
  kind: StepErrorKind;
  statusCode: number | null;
  body: string | null;
  retryable: boolean;
  retryAfterMs: number | null;
}

/** Everything one attempt needs, resolved by the executor. */
export interface AttemptContext {
  runId: string;
  attempt: number;
  /**
   * Sent as `Idempotency-Key` by agent and http steps: the same for every attempt and redelivery
   * of one logical execution of the step (the attempt number travels separately).
   */
  idempotencyKey: string;
  data: DataContext;
  signal: AbortSignal;
  caller: AgentCaller;
  /** Where transform steps are evaluated (worker threads with time and memory limits). */
  transforms: TransformPool;
  /** Looks up the live agent a step names in the run's workspace. */
  findAgent(name: string): Promise<Agent | null>;
}

/** The agent an `agent` step calls, when it exists and is active. */
async function activeAgent(step: Extract<Step, { type: 'agent' }>, ctx: AttemptContext): Promise<Agent> {
  const agent = await ctx.findAgent(step.agent);
  if (!agent || agent.status !== 'ACTIVE') {
    throw failure(
      `agent "${step.agent}" ${agent ? `is ${agent.status}` : 'does not exist'}; register or re-activate it, then retry the run`,
      'config',
    );
  }
  return agent;
}

function failure(message: string, kind: StepErrorKind, retryable = false): AttemptFailureError {
  return new AttemptFailureError({ message, kind, statusCode: null, body: null, retryable, retryAfterMs: null });
}

/** A classified attempt failure (the executor records `failure` as is). */
export class AttemptFailureError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.message);
    this.name = 'AttemptFailureError';
  }
}

/** Maps anything an attempt threw to a stored failure; never throws itself. */
export function classify(error: unknown): AttemptFailure {
  if (error instanceof AttemptFailureError) return error.failure;
  if (error instanceof AgentCallError) {
    return {
      message: error.message,
      kind: error.kind,
      statusCode: error.statusCode,
      body: error.body,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (error instanceof TransformError) {
    // 'aborted' lets the executor record a cancelled attempt rather than a failed step.
    const kind = error.code === 'TRANSFORM_ABORTED' ? 'aborted' : 'transform';
    return { message: error.message, kind, statusCode: null, body: null, retryable: false, retryAfterMs: null };
  }
  return {
    message: error instanceof Error ? error.message : String(error),
    kind: 'internal',
    statusCode: null,
    body: null,
    retryable: false,
    retryAfterMs: null,
  };
}

/** The retry policy of a step: its own, else its agent's, else none. */
export async function policyFor(step: Step, ctx: Pick<AttemptContext, 'findAgent'>): Promise<RetryPolicy> {
  const agentRetry =
    step.type === 'agent' ? ((await ctx.findAgent(step.agent))?.retryConfig as Partial<RetryPolicy> | undefined) : undefined;
  return effectivePolicy(step.retry, agentRetry);
}

/**
 * Runs one attempt of an executing step (agent, http, condition, transform) with its input
 * already resolved. Timers and signals (delay, wait) are handled by the executor, not here.
 */
export async function runAttempt(step: Step, input: unknown, ctx: AttemptContext): Promise<AttemptSuccess> {
  switch (step.type) {
    case 'agent': {
      const agent = await activeAgent(step, ctx);
      const call = {
        runId: ctx.runId,
        stepId: step.id,
        attempt: ctx.attempt,
        idempotencyKey: ctx.idempotencyKey,
        input,
        signal: ctx.signal,
        timeoutMs: step.timeoutMs ?? agent.timeoutMs,
      };
      const target = {
        id: agent.id,
        name: agent.name,
        url: agent.url,
        protocol: agent.protocol as 'A2A' | 'HTTP',
        authType: agent.authType as 'NONE' | 'BEARER' | 'APIKEY',
        authConfig: agent.authConfig,
        timeoutMs: agent.timeoutMs,
      };
      return ctx.caller.callAgent(target, call);
    }
    case 'http': {
      const request = resolveMapping(step.request, ctx.data) as {
        method: string;
        url: string;
        headers?: Record<string, string>;
        body?: unknown;
      };
      const call = {
        runId: ctx.runId,
        stepId: step.id,
        attempt: ctx.attempt,
        idempotencyKey: ctx.idempotencyKey,
        input,
        signal: ctx.signal,
        timeoutMs: step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      };
      // Without an explicit body the step input is sent, except on methods that carry none.
      const bodyless = ['GET', 'HEAD', 'DELETE'].includes(request.method.toUpperCase());
      return ctx.caller.callHttp({ ...request, body: request.body !== undefined ? request.body : bodyless ? undefined : input }, call);
    }
    case 'condition': {
      const result = evaluateCondition(step.condition, ctx.data);
      return { output: { result, branch: result ? 'onTrue' : 'onFalse' }, logs: [], statusCode: null };
    }
    case 'transform':
      return { output: await ctx.transforms.evaluate(step.expression, input, ctx.signal), logs: [], statusCode: null };
    case 'delay':
    case 'wait':
      throw failure(`step "${step.id}" of type ${step.type} does not execute an attempt`, 'internal');
  }
}
