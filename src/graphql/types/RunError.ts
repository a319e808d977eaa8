// Why a run failed or stopped, typed: replaces `Run.error: JSON`.
import type { RunErrorKind as Kind, RunFailure } from '../../domain/failures.ts';
import { builder } from '../builder.ts';

export const RunErrorKind = builder.enumType('RunErrorKind', {
  description: 'Why a run failed or stopped.',
  values: {
    STEP_FAILED: {
      value: 'step_failed',
      description: 'A step failed after its last allowed attempt (see `stepId` and that step’s `failure`).',
    },
    TIMED_OUT: { value: 'timed_out', description: 'The run was still unfinished at its deadline (the workflow’s `timeoutSeconds`).' },
    ENGINE_FAILED: {
      value: 'engine_failed',
      description: 'The engine failed to drive the run several times in a row; `message` names the last error. Fix the cause, then retry.',
    },
    CANCELLED: { value: 'cancelled', description: 'A caller cancelled it (see `Run.cancelReason`).' },
  } satisfies { [K in Kind as Uppercase<K>]: { value: K; description: string } },
});

export const RunErrorRef = builder.objectRef<RunFailure>('RunError').implement({
  description: 'Why a run failed or was cancelled.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, e.g. `step "fetch" failed: … answered HTTP 500`.' }),
    kind: t.field({ type: RunErrorKind, description: 'The class of failure.', resolve: (e) => e.kind }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'The step whose failure failed the run, for STEP_FAILED.' }),
  }),
});
