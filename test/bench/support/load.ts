// Load generation with autocannon, run in this (load-generator) process.
import autocannon from 'autocannon';

/** What one load run measured. */
export interface Load {
  /** Mean requests per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Responses that were not 2xx, plus connection errors and timeouts: a run with any is suspect. */
  failures: number;
}

/** Options for one load run. */
export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Concurrent connections (8 by default, as in the measurements). */
  connections?: number;
  /** Seconds of load. */
  seconds: number;
  /** Seconds before a request counts as timed out (autocannon's default, 10, when unset). */
  timeout?: number;
}

/** Drives `url` with autocannon for `seconds` and summarises the run. */
export async function load(options: LoadOptions): Promise<Load> {
  const out = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 8,
    duration: options.seconds,
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });
  return {
    rps: out.requests.average,
    p50: out.latency.p50,
    p99: out.latency.p99,
    requests: out.requests.total,
    failures: out.non2xx + out.errors + out.timeouts,
  };
}

/**
 * Measures two targets in alternating rounds (A, B, A, B, …) so drift of the machine affects
 * both alike; returns each side's rounds.
 */
export async function interleaved<T>(rounds: number, a: () => Promise<T>, b: () => Promise<T>): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    out.a.push(await a());
    out.b.push(await b());
  }
  return out;
}
