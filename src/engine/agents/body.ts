// Bounded reading of reply bodies and log arrays. Whatever an agent or HTTP service sends ends up
// in memory, in the step's stored output and in one run event per log entry, so none of it may
// be unbounded (review findings M5 and C2): `response.text()` is never used on a reply.

import { EgressBodyTooLargeError } from '../../egress/errors.ts';
import { AgentCallError, MAX_ERROR_BODY_CHARS, TRUNCATED_MARKER } from './errors.ts';
import type { AgentLog } from './types.ts';

/** Default of `AgentCallerDeps.maxResponseBytes`, as STEP_MAX_OUTPUT_BYTES's. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Default of `AgentCallerDeps.maxLogEntries`, as STEP_MAX_LOG_ENTRIES's. */
export const DEFAULT_MAX_LOG_ENTRIES = 100;
/** An error reply is only quoted ({@link MAX_ERROR_BODY_CHARS}), so this much UTF-8 covers it. */
const ERROR_BODY_BYTES = (MAX_ERROR_BODY_CHARS + 1) * 4;

/** A body read up to a limit: `complete` is false when there was more, which was discarded. */
export interface LimitedBody {
  bytes: Uint8Array;
  complete: boolean;
}

/**
 * Reads at most `maxBytes` of a body, then cancels the rest (which closes the connection
 * rather than downloading it). Counts bytes after content decoding, so a compressed bomb is
 * cut as early as a plain one. The egress fetch's own cap counts as more to come; other stream
 * errors (network, abort) are thrown as they come.
 */
export async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<LimitedBody> {
  if (body === null) return { bytes: new Uint8Array(0), complete: true };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch (error) {
      if (error instanceof EgressBodyTooLargeError) return { bytes: concat(chunks, total), complete: false };
      throw error;
    }
    const { done, value } = read;
    if (done) return { bytes: concat(chunks, total), complete: true };
    if (total + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - total));
      await reader.cancel().catch(() => {});
      return { bytes: concat(chunks, maxBytes), complete: false };
    }
    chunks.push(value);
    total += value.byteLength;
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === length) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** UTF-8 text as `response.text()` decodes it: a BOM dropped, invalid sequences replaced. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * A Content-Length already over the limit, when it counts the bytes we would read: with a
 * Content-Encoding it counts the compressed ones, which says nothing certain.
 */
export function declaredTooLarge(headers: Headers, maxBytes: number): boolean {
  if (headers.has('content-encoding')) return false;
  const declared = Number(headers.get('content-length'));
  return Number.isFinite(declared) && declared > maxBytes;
}

/** The failure of a reply longer than the limit: final, since the same reply would come back. */
export function oversizeError(label: string, maxBytes: number, statusCode: number | null): AgentCallError {
  return new AgentCallError(`${label}: reply body exceeds ${maxBytes} bytes (STEP_MAX_OUTPUT_BYTES)`, { kind: 'protocol', statusCode });
}

/**
 * Reads a successful reply's body, at most `maxBytes` of it; a longer one is an
 * {@link oversizeError}, declared or not.
 */
export async function readReplyBody(response: Response, label: string, maxBytes: number): Promise<Uint8Array> {
  if (declaredTooLarge(response.headers, maxBytes)) {
    await response.body?.cancel().catch(() => {});
    throw oversizeError(label, maxBytes, response.status);
  }
  const read = await readLimited(response.body, maxBytes);
  if (!read.complete) throw oversizeError(label, maxBytes, response.status);
  return read.bytes;
}

/**
 * Reads the start of an error reply, as much as an error keeps, marking a cut. The reply's
 * status decides what the failure means, so a long error body is truncated, never a failure of
 * its own.
 */
export async function readErrorBody(response: Response, maxBytes: number): Promise<{ bytes: Uint8Array; text: string }> {
  const read = await readLimited(response.body, Math.min(ERROR_BODY_BYTES, maxBytes));
  const text = decodeText(read.bytes);
  return { bytes: read.bytes, text: read.complete ? text : text.slice(0, MAX_ERROR_BODY_CHARS) + TRUNCATED_MARKER };
}

/**
 * Keeps the first `maxEntries` of `total` log entries (`logs` may already be cut to them); if
 * there were more, one warning entry says how many were dropped, so the cut shows in the run's
 * events.
 */
export function capLogs(logs: AgentLog[], maxEntries: number, total = logs.length): AgentLog[] {
  if (total <= maxEntries) return logs;
  const dropped = total - maxEntries;
  return [
    ...logs.slice(0, maxEntries),
    { level: 'warn', message: `${dropped} more log entries dropped (STEP_MAX_LOG_ENTRIES=${maxEntries})` },
  ];
}
