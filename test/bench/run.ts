// `npm run bench [-- --quick] [-- --only B1,B5]`: every benchmark of issue 13, each measured
// against a baseline in the same run, interleaved, printed as ratios beside the absolute
// figures and the machine. SQLite by default, PostgreSQL when DATABASE_URL says so.
// Results go to bench-results/ as JSON and Markdown. Nothing here fails on speed: CI runs
// `--quick` to prove every benchmark still runs and produces numbers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { scratchDatabase, testProvider } from '../support/database.ts';
import type { Benchmark, BenchContext, Mode } from './support/context.ts';
import { CORES, describeMachine, pin } from './support/machine.ts';
import { formatResult, type Result } from './support/report.ts';
import { databaseVersion } from './support/database-version.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const mode: Mode = values.quick ? 'quick' : 'full';
const only = values.only?.split(',').map((s) => s.trim().toUpperCase());

// Each module is loaded only when selected, so one benchmark's dependencies never slow another.
const modules: Record<string, () => Promise<{ benchmark: Benchmark }>> = {
  B1: () => import('./b1-lists.ts'),
  B3: () => import('./b3-engine.ts'),
  B4: () => import('./b4-fanout.ts'),
  B5: () => import('./b5-deep-pages.ts'),
};

// The load generator (this process) runs on its own core; servers are spawned on the other.
pin(CORES.load);

const machine = describeMachine(testProvider, await databaseVersion());
const ctx: BenchContext = {
  mode,
  provider: testProvider,
  scratch: scratchDatabase,
  log: (message) => process.stderr.write(`  ${message}\n`),
};

console.log(`Flowdeck benchmarks (${mode}) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);
console.log(
  `database: ${machine.database}${machine.databaseVersion ? ` ${machine.databaseVersion}` : ''}; server and load generator ${machine.pinned ? 'pinned to separate cores' : 'NOT pinned (one core or no taskset)'}`,
);

const results: Result[] = [];
const failures: { benchmark: string; error: string }[] = [];
for (const [key, load] of Object.entries(modules)) {
  if (only && !only.includes(key)) continue;
  const { benchmark } = await load();
  console.log(`\n== ${benchmark.name} ==`);
  try {
    for (const r of await benchmark.run(ctx)) {
      results.push(r);
      console.log(formatResult(r));
      if (r.note) console.log(`${' '.repeat(31)}${r.note}`);
    }
  } catch (error) {
    // A benchmark that cannot run is a broken benchmark, not a slow one: report it and exit non-zero.
    failures.push({ benchmark: benchmark.name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    console.log(`FAILED TO RUN: ${error instanceof Error ? error.message : String(error)}`);
  }
}

mkdirSync(values.out, { recursive: true });
const stamp = new Date().toISOString();
const file = `${values.out}/latest-${machine.database}${mode === 'quick' ? '-quick' : ''}.json`;
writeFileSync(file, JSON.stringify({ at: stamp, mode, machine, results, failures }, null, 2));
writeFileSync(file.replace(/\.json$/, '.md'), markdown(stamp, results));
console.log(`\nwrote ${file} (and .md)`);
if (failures.length) {
  for (const f of failures) console.error(`\n${f.benchmark}: ${f.error}`);
  process.exit(1);
}

function markdown(at: string, rows: readonly Result[]): string {
  const lines = [
    `Measured ${at} (${mode}) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.database}${machine.databaseVersion ? ` ${machine.databaseVersion}` : ''}${machine.pinned ? ', server and load generator on separate cores' : ''}.`,
    '',
    '| benchmark | Flowdeck | baseline | ratio | goal | met |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const base = r.baseline ? `${r.baseline.value.toFixed(1)} ${r.baseline.unit} (${r.baseline.name})` : '—';
    lines.push(
      `| ${r.id}: ${r.title} | ${r.flowdeck.value.toFixed(1)} ${r.flowdeck.unit} | ${base} | ${r.ratio === null ? '—' : r.ratio.toFixed(3)} | ${r.goal ? `${r.goal.op} ${r.goal.value}` : ''} | ${r.met === null ? '' : r.met ? 'yes' : '**no**'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
