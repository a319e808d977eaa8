import { z } from '@hono/zod-openapi';

/** A JSON object of any shape (inputs, outputs, configurations). */
export const JsonObject = z.record(z.string(), z.unknown()).openapi({ type: 'object', additionalProperties: true });

/** The documented general error format (seed 004), which every dialect's `detail` readers accept. */
export const ErrorResponse = z
  .object({
    success: z.literal(false).optional().openapi({ description: 'Present (false) in the v2 dialect, whose answers all carry `success`.' }),
    detail: z.union([
      z.string(),
      z.array(z.object({ type: z.string(), loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), input: z.unknown() })),
      z.record(z.string(), z.unknown()),
    ]),
    error: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string(), type: z.string() })).optional(),
    status_code: z.number().int(),
    timestamp: z.string(),
    path: z.string(),
    request_id: z.string(),
  })
  .openapi('ErrorResponse');

const descriptions: Record<number, string> = {
  400: 'Bad request: a business rule refused it (`detail` says which).',
  404: 'Not found.',
  409: 'Conflict with the current state.',
  422: 'Validation error: `detail` lists each problem (`type`, `loc`, `msg`, `input`).',
  500: 'Unexpected server error.',
  501: 'Not implemented.',
  503: 'Service unavailable.',
};

/** OpenAPI `responses` entries for the given error statuses, all in the documented error format. */
export function errorResponses<S extends number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? 'Error.', content: { 'application/json': { schema: ErrorResponse } } },
    ]),
  ) as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorResponse } } }>;
}

/** A JSON response entry for OpenAPI `responses`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** The `{message}` body of successful deletes. */
export const MessageResponse = z.object({ message: z.string() }).openapi('MessageResponse');

/** page / page_size query parameters (1-indexed, 1-100, default 20), as seed 004 numbers pages. */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1).openapi({ description: 'Page number, 1-indexed.' }),
  page_size: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: 'Items per page (1-100).' }),
});

/** A numbered page of `item` (seed 004's list envelope). */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      total: z.number().int(),
      page: z.number().int(),
      page_size: z.number().int(),
      total_pages: z.number().int(),
    })
    .openapi(name);
}

/** Builds seed 004's list envelope from a domain page. */
export function pageBody<T, U>(page: { items: T[]; total: number }, query: { page: number; page_size: number }, map: (item: T) => U) {
  return {
    items: page.items.map(map),
    total: page.total,
    page: query.page,
    page_size: query.page_size,
    total_pages: Math.ceil(page.total / query.page_size),
  };
}

/** ISO-8601 text of a date, or null. */
export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
