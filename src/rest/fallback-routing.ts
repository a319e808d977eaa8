// FastAPI's (Starlette's) routing fallbacks for the whole REST layer: a path served with other
// methods answers 405 with `Allow`, a path that only differs from a route by a trailing slash
// answers 307 to that route, both before authentication, rate limiting or any body is read
// (FastAPI routes first and runs a route's dependencies after). Anything else goes on as before.

import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { METHOD_NAME_ALL } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import type { RouterRoute } from 'hono/types';
import type { RestEnv } from './env.ts';
import { problem, refusalDialect } from './problem.ts';

/** The order `Allow` lists methods in (others follow alphabetically). */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** How literal a pattern segment is: a fixed name beats a parameter, which beats a wildcard. */
function rank(segment: string): number {
  if (segment === '*' || segment.includes('*')) return 0;
  return segment.startsWith(':') ? 1 : 2;
}

function segments(pattern: string): string[] {
  return pattern.split('/').slice(1);
}

/**
 * Positive when pattern `a` is more literal than `b`: at the first segment where they differ in
 * kind, the fixed name wins (OpenAPI's rule, "concrete paths are matched before templated ones").
 */
function compareLiteral(a: string[], b: string[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = rank(a[i] as string) - rank(b[i] as string);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Whether two patterns could match one same path (conservatively yes for wildcards and optional or regex parameters). */
function mayOverlap(a: string[], b: string[]): boolean {
  if ([...a, ...b].some((segment) => segment.includes('*') || segment.endsWith('?') || segment.includes('{'))) return true;
  if (a.length !== b.length) return false;
  return a.every((segment, i) => rank(segment) !== 2 || rank(b[i] as string) !== 2 || segment === b[i]);
}

/** A pattern's shape: patterns of one shape name the same resource (`/a/:id` and `/a/:key`). */
function shapeOf(parts: string[]): string {
  return parts.map((segment) => (rank(segment) === 2 ? segment : rank(segment) === 1 ? ':' : '*')).join('/');
}

function ordered(methods: Iterable<string>): string[] {
  const position = (method: string) => {
    const index = METHOD_ORDER.indexOf(method);
    return index === -1 ? METHOD_ORDER.length : index;
  };
  return [...methods].sort((a, b) => position(a) - position(b) || a.localeCompare(b));
}

/** Which methods a path supports, read from a Hono app's route table. */
export interface RouteMatcher {
  /**
   * The methods the path's resource answers, in `Allow` order (HEAD wherever GET is, as
   * Starlette adds it), or null when no route matches the path with any method. A path that
   * matches a concrete pattern and a templated one (`/api/v1/workflows/runs` and
   * `/api/v1/workflows/:workflow_id`) is the concrete pattern's resource, as in the OpenAPI document.
   */
  allowed(path: string): string[] | null;
  /** Whether a more literal pattern may take over some path this pattern matches (then {@link allowed} decides). */
  shadowable(pattern: string): boolean;
}

/**
 * Builds a {@link RouteMatcher} from a Hono app's `routes`, with Hono's own trie router so paths
 * match exactly as the app matches them. Middleware entries (method `ALL`) are skipped.
 */
export function routeMatcher(routes: readonly RouterRoute[]): RouteMatcher {
  const methodsOf = new Map<string, Set<string>>();
  for (const route of routes) {
    if (route.method === METHOD_NAME_ALL) continue;
    const methods = methodsOf.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.method.toUpperCase() === 'GET') methods.add('HEAD');
    methodsOf.set(route.path, methods);
  }
  // Every pattern once, under every method: one lookup finds all patterns that match a path.
  const router = new TrieRouter<string>();
  for (const pattern of methodsOf.keys()) router.add(METHOD_NAME_ALL, pattern, pattern);

  const patterns = [...methodsOf.keys()].map((pattern) => ({ pattern, parts: segments(pattern) }));
  const shadowed = new Set(
    patterns
      .filter((p) => patterns.some((q) => q.pattern !== p.pattern && mayOverlap(p.parts, q.parts) && compareLiteral(q.parts, p.parts) > 0))
      .map((p) => p.pattern),
  );

  return {
    allowed(path) {
      const matched = [...new Set(router.match(METHOD_NAME_ALL, path)[0].map(([pattern]) => pattern))].map((pattern) => ({
        pattern,
        parts: segments(pattern),
      }));
      if (matched.length === 0) return null;
      const literal = matched.reduce((best, candidate) => (compareLiteral(candidate.parts, best.parts) > 0 ? candidate : best));
      const shape = shapeOf(literal.parts);
      const methods = new Set<string>();
      for (const { pattern, parts } of matched) {
        if (shapeOf(parts) === shape) for (const method of methodsOf.get(pattern) ?? []) methods.add(method);
      }
      return ordered(methods);
    },
    shadowable: (pattern) => shadowed.has(pattern),
  };
}

/** The path with its trailing slash toggled as Starlette does (added, or every one removed); null for "/". */
function toggleSlash(path: string): string | null {
  if (path === '/') return null;
  const toggled = path.endsWith('/') ? path.replace(/\/+$/, '') : `${path}/`;
  return toggled === '' ? null : toggled;
}

/**
 * Middleware answering what FastAPI answers before any route runs: 405 in the dialect's error
 * shape (`detail: "Method Not Allowed"`, v2 paths with `success: false`) with `Allow` when the
 * path is served with other methods; 307 with the same URL, its trailing slash toggled (scheme,
 * host and query kept), when only that variant is served. Requests a route serves, and paths
 * nothing serves (the app's 404, after authentication), pass through untouched. `routes` is
 * read on the first request, once every route group and the docs are mounted.
 */
export function fallbackRouting(routes: () => readonly RouterRoute[]): MiddlewareHandler<RestEnv> {
  let matcher: RouteMatcher | null = null;
  return async (c, next) => {
    matcher ??= routeMatcher(routes());
    // Hono has already matched this method (HEAD as GET): most requests stop here.
    const routed = matchedRoutes(c).filter((route) => route.method !== METHOD_NAME_ALL);
    if (routed.length > 0 && !routed.some((route) => matcher?.shadowable(route.path))) return next();

    const path = c.req.path;
    const allowed = matcher.allowed(path);
    if (allowed) {
      if (allowed.includes(c.req.method.toUpperCase())) return next();
      c.set('dialect', refusalDialect(path));
      c.header('Allow', allowed.join(', '));
      return problem(c, 405, 'Method Not Allowed');
    }
    const toggled = toggleSlash(path);
    if (toggled !== null && matcher.allowed(toggled)) {
      const url = new URL(c.req.url);
      url.pathname = toggleSlash(url.pathname) ?? url.pathname;
      return c.redirect(url.toString(), 307);
    }
    // On to the app's 404 behind authentication, as before: without credentials an unknown path
    // is a 401 (issue 12, test/server/tenant-isolation-rest.test.ts).
    return next();
  };
}
