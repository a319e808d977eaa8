import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { RestEnv } from './env.ts';
import type { ValidationDetail } from './errors.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Validation Error',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * An error response in seed 004's documented general format: `detail` (a message, or the
 * pydantic-style list for 422) plus `error`, `errors`, `status_code`, `timestamp`, `path` and
 * `request_id`. The v2 dialect (seed 003) wraps every answer in `success`, so its errors also
 * carry `success: false` and the message as `error`; the others read `detail`.
 */
export function problem(c: Context<RestEnv>, status: ContentfulStatusCode, detail: string | ValidationDetail[] | Record<string, unknown>) {
  const errors = Array.isArray(detail) ? detail.map((d) => ({ field: d.loc.slice(1).join('.'), message: d.msg, type: d.type })) : undefined;
  const v2 = c.get('dialect') === 'v2';
  const message =
    typeof detail === 'string'
      ? detail
      : Array.isArray(detail)
        ? detail.map((d) => `${d.loc.slice(1).join('.')}: ${d.msg}`).join('; ')
        : (TITLES[status] ?? 'Error');
  return c.json(
    {
      ...(v2 ? { success: false as const } : {}),
      detail,
      error: v2 ? message : (TITLES[status] ?? 'Error'),
      ...(errors ? { errors } : {}),
      status_code: status,
      timestamp: (c.get('resources')?.clock.now() ?? new Date()).toISOString(),
      path: new URL(c.req.url).pathname,
      request_id: c.get('requestId'),
    },
    status,
  );
}

/**
 * The dialect whose error shape a refusal takes when it happens before any route group has
 * matched (authentication, the body limit): only v2's shape differs (`success: false`, the
 * message in `error`), so the path's prefix is enough.
 */
export function refusalDialect(path: string): 'v1' | 'v2' {
  return path === '/api/v2/workflows' || path.startsWith('/api/v2/') ? 'v2' : 'v1';
}
