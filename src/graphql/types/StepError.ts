// Why a step attempt failed, typed: replaces the `error: JSON` of StepRun, StepAttempt and step events.
import type { StepErrorKind as Kind, StepFailure } from '../../domain/failures.ts';
import { builder } from '../builder.ts';

export const StepErrorKind = builder.enumType('StepErrorKind', {
  description: 'Why a step attempt failed.',
  values: {
    NETWORK: { value: 'network', description: 'The agent or service could not be reached (refused, reset, DNS). Retryable.' },
    TIMEOUT: { value: 'timeout', description: 'No answer within the step’s timeout, or no signal reached a `wait` step in time.' },
    HTTP: { value: 'http', description: 'It answered with a non-2xx status (see `statusCode` and `body`); 5xx and 429 are retryable.' },
    PROTOCOL: {
      value: 'protocol',
      description: 'It answered something that is not a valid reply (bad JSON, a failed A2A task, a bad URL).',
    },
    EGRESS: { value: 'egress', description: 'The egress policy (EGRESS_ALLOW) refused the destination.' },
    ABORTED: { value: 'aborted', description: 'The call was aborted (the run was cancelled or failed elsewhere).' },
    TRANSFORM: { value: 'transform', description: 'A transform expression failed (error, time or memory limit).' },
    CONFIG: {
      value: 'config',
      description: 'The step cannot run as configured: its agent is missing or inactive, or its credentials cannot be opened.',
    },
    INTERNAL: { value: 'internal', description: 'An unexpected error inside Flowdeck.' },
    UNRECORDABLE: { value: 'unrecordable', description: 'The outcome could not be stored; the step was not executed again.' },
    UNSTORABLE_OUTPUT: {
      value: 'unstorable_output',
      description: 'The output is not storable JSON (not JSON, or it contains a NUL character).',
    },
    OUTPUT_TOO_LARGE: { value: 'output_too_large', description: 'The output is over STEP_MAX_OUTPUT_BYTES.' },
    INTERRUPTED: {
      value: 'interrupted',
      description: 'The worker running it stopped before it finished (every delivery, for a failed step).',
    },
  } satisfies { [K in Kind as Uppercase<K>]: { value: K; description: string } },
});

export const StepErrorRef = builder.objectRef<StepFailure>('StepError').implement({
  description: 'Why a step attempt failed, as the engine recorded it.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, naming the agent or service.' }),
    kind: t.field({ type: StepErrorKind, description: 'The class of failure.', resolve: (e) => e.kind }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The HTTP status answered, for HTTP failures.' }),
    body: t.exposeString('body', {
      nullable: true,
      description: 'The response body, cut at 2000 characters (ending `…[truncated]` when cut).',
    }),
    retryable: t.exposeBoolean('retryable', {
      description: 'Whether this kind of failure is worth retrying (network, timeout, 5xx, 429); retries also follow the step’s `retryOn`.',
    }),
    retryAfterMs: t.exposeInt('retryAfterMs', {
      nullable: true,
      description: 'What the service asked to wait before retrying (Retry-After on a 429 or 503), in milliseconds.',
    }),
    attempt: t.exposeInt('attempt', {
      nullable: true,
      description: 'The attempt that failed, from 1; null for a `wait` step whose signal never came (no attempt ran).',
    }),
  }),
});
