// What one benchmark reports: Flowdeck's figure, the baseline measured in the same run, their
// ratio and the goal for it. The suite only reports; it never fails on speed.

/** One measured figure: a value with its unit ("req/s", "ms", "steps/s"). */
export interface Figure {
  value: number;
  unit: string;
  /** Optional extra numbers worth keeping (p99, rounds, bytes), printed and written as JSON. */
  detail?: Record<string, number | string>;
}

/** A goal on a ratio: at least (higher is better) or at most (lower is better). */
export interface Goal {
  op: '>=' | '<=';
  value: number;
}

/** One line of the suite's output. */
export interface Result {
  /** Stable id, e.g. `B1.runs` or `B5.runs.createdAt_desc`. */
  id: string;
  /** What was measured, for a person. */
  title: string;
  flowdeck: Figure;
  /** The baseline measured in the same run; null when the comparison has none (say why in `note`). */
  baseline: (Figure & { name: string }) | null;
  /** flowdeck ÷ baseline in the direction the goal is stated (see ratioOf). */
  ratio: number | null;
  goal: Goal | null;
  /** Whether the goal holds; null without a goal or ratio. */
  met: boolean | null;
  note?: string;
}

/**
 * Builds a result, computing the ratio as flowdeck ÷ baseline (so with throughputs, higher is
 * better; with latencies compared as "deep ÷ shallow", lower is better: the goal's op says which).
 */
export function result(parts: Omit<Result, 'ratio' | 'met'>): Result {
  const ratio = parts.baseline && parts.baseline.value !== 0 ? parts.flowdeck.value / parts.baseline.value : null;
  const met = ratio === null || !parts.goal ? null : parts.goal.op === '>=' ? ratio >= parts.goal.value : ratio <= parts.goal.value;
  return { ...parts, ratio, met };
}

/** The median of some numbers (the suite's summary of interleaved rounds). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A percentile (0–100) of some numbers, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const fmt = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

/** One result as a line of text: id, Flowdeck, baseline, ratio, goal, verdict. */
export function formatResult(r: Result): string {
  const flow = `${fmt(r.flowdeck.value)} ${r.flowdeck.unit}`;
  const base = r.baseline ? `${fmt(r.baseline.value)} ${r.baseline.unit} (${r.baseline.name})` : '—';
  const ratio = r.ratio === null ? '—' : r.ratio.toFixed(3);
  const goal = r.goal ? `${r.goal.op} ${r.goal.value}` : '';
  const verdict = r.met === null ? '' : r.met ? 'met' : 'NOT MET';
  return `${r.id.padEnd(30)} ${flow.padStart(16)}  vs ${base.padEnd(44)} ratio ${ratio.padStart(7)} ${goal.padEnd(7)} ${verdict}`;
}
