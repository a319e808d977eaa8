// Shared by run events and run log entries: both speak the domain's three levels.
import type { LOG_LEVELS } from '../../domain/run-logs.ts';
import { builder } from '../builder.ts';

/** Severity of a log line or run event, as GraphQL spells the domain's `info | warning | error`. */
export const LogLevel = builder.enumType('LogLevel', {
  description: 'Severity of a log line or run event.',
  values: {
    INFO: { value: 'info', description: 'Progress: something started, finished or was logged as information.' },
    WARNING: { value: 'warning', description: 'Something went wrong but the run goes on (a retry, a cancel, an interruption).' },
    ERROR: { value: 'error', description: 'A failure: a step or the run failed, or an agent logged an error.' },
  } satisfies { [K in (typeof LOG_LEVELS)[number] as Uppercase<K>]: { value: K; description: string } },
});
