import { OPS_PATHS } from './ops.ts';
import { V2_HEALTH_PATH } from './v2/service.ts';

/**
 * Paths anyone may read without credentials or a rate budget: the probes (/health, /healthz,
 * /health/ready), seed 003's public health check, and the API's own documentation. /metrics is
 * not among them: it needs METRICS_TOKEN or a credential when authentication is on.
 */
export function isPublicPath(path: string): boolean {
  if ((OPS_PATHS.has(path) && path !== '/metrics') || path === V2_HEALTH_PATH || path === '/openapi.json') return true;
  return ['/docs', '/redoc'].some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
