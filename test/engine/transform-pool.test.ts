// The transform pool against real worker threads: JSONata results and errors as in-process, and
// runaway expressions (catastrophic backtracking, endless recursion, memory bombs) stopped by the
// limits while the pool keeps serving. No assertion depends on how long anything took: each
// runaway would run for hours, so only a limit can end it.

import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { classify, runAttempt } from '../../src/engine/step-runner.ts';
import type { AttemptContext } from '../../src/engine/step-runner.ts';
import { createTransformPool } from '../../src/engine/transform-pool.ts';
import type { TransformPool } from '../../src/engine/transform-pool.ts';
import { TransformError } from '../../src/engine/transform.ts';

const pools: TransformPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

function pool(options: Partial<Parameters<typeof createTransformPool>[0]> = {}): TransformPool {
  const created = createTransformPool({ timeoutMs: 5_000, maxMemoryMb: 64, threads: 2, ...options });
  pools.push(created);
  return created;
}

async function rejection(promise: Promise<unknown>): Promise<TransformError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransformError);
  return error as TransformError;
}

/** Backtracks exponentially in the number of a's: with 40 it never finishes in practice. */
const REDOS = '$match($.s, /(a+)+$/)';
const REDOS_INPUT = { s: `${'a'.repeat(40)}b` };
/** Tail recursion: JSONata turns it into a loop, so no depth limit ends it. */
const ENDLESS = '($f := function($x){ $f($x + 1) }; $f(0))';

describe('transform pool', () => {
  it('returns plain JSON like the in-process evaluation, several at once', async () => {
    const transforms = pool();
    const results = await Promise.all([
      transforms.evaluate('$sum(items.price)', { items: [{ price: 2 }, { price: 3 }] }),
      transforms.evaluate('{"names": items.name, "none": nothing}', { items: [{ name: 'a' }, { name: 'b' }] }),
      transforms.evaluate('missing', { a: 1 }),
      transforms.evaluate('a.b', { a: [{ b: 1 }, { b: 2 }] }),
    ]);
    expect(results).toEqual([5, { names: ['a', 'b'] }, null, [1, 2]]);
  });

  it("keeps JSONata's error messages, codes and positions", async () => {
    const transforms = pool();
    const syntax = await rejection(transforms.evaluate('$sum(', {}));
    expect(syntax.message).toMatch(/^JSONata error at position 5: /);
    expect(syntax).toMatchObject({ code: 'S0203', position: 5 });
    await expect(transforms.evaluate('$number("x")', {})).rejects.toThrow(
      /JSONata error at position \d+: Unable to cast value to a number/,
    );
    const fn = await rejection(transforms.evaluate('function($x){$x}', {}));
    expect(fn.message).toBe('JSONata error: the expression returned a function, which is not a JSON value');
  });

  it('kills a thread stuck in catastrophic backtracking, naming the limit, and serves the next evaluation', async () => {
    const transforms = pool({ timeoutMs: 200, threads: 1 });
    const error = await rejection(transforms.evaluate(REDOS, REDOS_INPUT));
    expect(error.message).toBe('transform exceeded its 200 ms limit (TRANSFORM_TIMEOUT_MS)');
    expect(error.code).toBe('TRANSFORM_TIMEOUT');
    expect(await transforms.evaluate('$uppercase(s)', { s: 'ok' })).toBe('OK');
  });

  it('stops endless recursion with the same message', async () => {
    const transforms = pool({ timeoutMs: 200, threads: 1 });
    const error = await rejection(transforms.evaluate(ENDLESS, {}));
    expect(error.message).toBe('transform exceeded its 200 ms limit (TRANSFORM_TIMEOUT_MS)');
    expect(await transforms.evaluate('1 + 1', {})).toBe(2);
  });

  it('does not count time spent queued behind another evaluation', async () => {
    const transforms = pool({ timeoutMs: 300, threads: 1 });
    // The first holds the only thread for longer than the limit; the second waits all that time.
    const stuck = rejection(transforms.evaluate(REDOS, REDOS_INPUT));
    const queued = transforms.evaluate('$count(xs)', { xs: [1, 2, 3] });
    expect((await stuck).code).toBe('TRANSFORM_TIMEOUT');
    expect(await queued).toBe(3);
  });

  it('kills a thread that outgrows its heap, naming the limit, and serves the next evaluation', async () => {
    const transforms = pool({ timeoutMs: 600_000, maxMemoryMb: 16, threads: 1 });
    const joined = await rejection(transforms.evaluate('$join([1..1000000].$pad("", 100), "")', {}));
    expect(joined.message).toBe('transform exceeded its 16 MB memory limit (TRANSFORM_MAX_MEMORY_MB)');
    expect(joined.code).toBe('TRANSFORM_MEMORY');
    const objects = await rejection(transforms.evaluate('$map([1..1000000], function($v){ {"k": $string($v), "v": [$v, $v]} })', {}));
    expect(objects.code).toBe('TRANSFORM_MEMORY');
    expect(await transforms.evaluate('$string(n)', { n: 7 })).toBe('7');
  });

  it('refuses to build or return strings past the string limit', async () => {
    const transforms = pool({ limits: { maxStringLength: 1000 } });
    const padded = await rejection(transforms.evaluate('$pad("", 5e8)', {}));
    expect(padded.code).toBe('TRANSFORM_STRING_LIMIT');
    expect(padded.message).toContain('$pad would build a string of 500000000 characters, over the transform limit of 1000');
    // `&` builds ropes that cost nothing until copied out of the thread, which would flatten them.
    const doubled = await rejection(transforms.evaluate('$reduce([1..20], function($a, $b){ $a & $a }, "x")', {}));
    expect(doubled.code).toBe('TRANSFORM_STRING_LIMIT');
    const many = await rejection(transforms.evaluate('[1..10].$pad("", 200)', {}));
    expect(many.message).toContain('the result holds more than 1000 characters of strings, the transform limit');
    expect(await transforms.evaluate('$pad("x", 5, "-")', {})).toBe('x----');
  });

  it('aborts on the caller signal, queued or running, and keeps serving', async () => {
    const transforms = pool({ timeoutMs: 600_000, threads: 1 });
    const already = await rejection(transforms.evaluate('1', {}, AbortSignal.abort('run cancelled')));
    expect(already).toMatchObject({ code: 'TRANSFORM_ABORTED', message: 'transform was aborted: run cancelled' });

    const controller = new AbortController();
    const running = rejection(transforms.evaluate(REDOS, REDOS_INPUT, controller.signal));
    const queued = rejection(transforms.evaluate(REDOS, REDOS_INPUT, controller.signal));
    controller.abort('step cancelled');
    expect(await running).toMatchObject({ code: 'TRANSFORM_ABORTED', message: 'transform was aborted: step cancelled' });
    expect((await queued).code).toBe('TRANSFORM_ABORTED');
    expect(await transforms.evaluate('"still here"', {})).toBe('still here');
  });

  it('rejects evaluations once closed', async () => {
    const transforms = createTransformPool({ timeoutMs: 1000, maxMemoryMb: 64, threads: 1 });
    expect(await transforms.evaluate('1', {})).toBe(1);
    await transforms.close();
    expect((await rejection(transforms.evaluate('1', {}))).message).toBe('transform pool is closed');
  });

  it('loads its worker under `node --import tsx`, as `npm start` runs', async () => {
    const script = [
      "import { createTransformPool } from './src/engine/transform-pool.ts';",
      'const pool = createTransformPool({ timeoutMs: 200, maxMemoryMb: 64, threads: 1 });',
      `const killed = await pool.evaluate(${JSON.stringify(REDOS)}, ${JSON.stringify(REDOS_INPUT)}).catch((e) => e.message);`,
      "console.log(JSON.stringify([await pool.evaluate('$sum($)', [1, 2]), killed]));",
      'await pool.close();',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(out.trim()).toBe(JSON.stringify([3, 'transform exceeded its 200 ms limit (TRANSFORM_TIMEOUT_MS)']));
    expect(code).toBe(0);
  });
});

describe('transform steps', () => {
  const context = (transforms: TransformPool, signal: AbortSignal): AttemptContext => ({
    runId: 'run-1',
    attempt: 1,
    idempotencyKey: 'run-1:shape:1',
    data: { workflowInput: {}, stepOutputs: new Map() },
    signal,
    caller: { callAgent: () => Promise.reject(new Error('unused')), callHttp: () => Promise.reject(new Error('unused')) },
    transforms,
    findAgent: async () => null,
  });
  const step = (expression: string) => ({ id: 'shape', type: 'transform' as const, expression }) as Parameters<typeof runAttempt>[0];

  it('evaluate through the pool and classify limits as final transform failures', async () => {
    const transforms = pool({ timeoutMs: 200, threads: 1 });
    const result = await runAttempt(step('{"total": $sum(xs)}'), { xs: [1, 2] }, context(transforms, new AbortController().signal));
    expect(result).toEqual({ output: { total: 3 }, logs: [], statusCode: null });

    const failure = await runAttempt(step(REDOS), REDOS_INPUT, context(transforms, new AbortController().signal)).catch(classify);
    expect(failure).toMatchObject({
      kind: 'transform',
      retryable: false,
      message: 'transform exceeded its 200 ms limit (TRANSFORM_TIMEOUT_MS)',
    });
  });

  it('report a cancelled evaluation as aborted, so the attempt is recorded as cancelled', async () => {
    const transforms = pool({ timeoutMs: 600_000, threads: 1 });
    const controller = new AbortController();
    const pending = runAttempt(step(REDOS), REDOS_INPUT, context(transforms, controller.signal)).catch(classify);
    controller.abort('run cancelled');
    expect(await pending).toMatchObject({ kind: 'aborted', retryable: false });
  });
});
