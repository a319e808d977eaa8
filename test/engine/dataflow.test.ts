/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
import { describe, expect, it } from 'vitest';
import { type Condition, evaluateCondition } from '../../src/engine/conditions.ts';
import { type DataContext, lookup, resolveMapping, runOutputs, terminalOutputs } from '../../src/engine/dataflow.ts';
import { DEFAULT_RETRY, effectivePolicy, type RetryPolicy, retryDelayMs, shouldRetry } from '../../src/engine/retry.ts';
import { evaluateTransform, TransformError } from '../../src/engine/transform.ts';

const ctx: DataContext = {
  workflowInput: { name: 'Ada', count: 3, tags: ['x', 'y'], nested: { deep: { ok: true } }, nothing: null, 'odd key': 'odd' },
  stepOutputs: new Map<string, unknown>([
    ['fetch', { items: [{ name: 'first' }, { name: 'second' }], total: 2, flag: false, meta: { page: 1 }, empty: null }],
    ['score', 42],
    ['list', ['a', 'b']],
    ['api.v1', { status: 'ok' }],
  ]),
};

describe('lookup', () => {
  it('follows keys and indexes', () => {
    expect(lookup({ a: [{ b: 1 }] }, ['a', 0, 'b'])).toBe(1);
    expect(lookup([10, 20], [1])).toBe(20);
    expect(lookup({ a: 1 }, [])).toEqual({ a: 1 });
  });
  it('returns undefined for missing paths and wrong shapes', () => {
    expect(lookup({ a: 1 }, ['b'])).toBeUndefined();
    expect(lookup({ a: 1 }, ['a', 'b'])).toBeUndefined();
    expect(lookup([1], [5])).toBeUndefined();
    expect(lookup({ a: null }, ['a', 'b'])).toBeUndefined();
    expect(lookup(undefined, ['a'])).toBeUndefined();
    expect(lookup('text', ['length'])).toBeUndefined();
  });
  it('reads own properties only', () => {
    expect(lookup({}, ['constructor'])).toBeUndefined();
    expect(lookup({}, ['__proto__'])).toBeUndefined();
  });
  it('treats numeric accessors and digit keys interchangeably', () => {
    expect(lookup({ '0': 'zero' }, [0])).toBe('zero');
    expect(lookup(['a', 'b'], ['1'])).toBe('b');
  });
});

describe('resolveMapping', () => {
  it('keeps the type of a whole reference', () => {
    expect(resolveMapping('${fetch.output.items}', ctx)).toEqual([{ name: 'first' }, { name: 'second' }]);
    expect(resolveMapping('${fetch.output.total}', ctx)).toBe(2);
    expect(resolveMapping('${fetch.output.meta}', ctx)).toEqual({ page: 1 });
    expect(resolveMapping('${fetch.output.flag}', ctx)).toBe(false);
    expect(resolveMapping('${fetch.output.empty}', ctx)).toBeNull();
    expect(resolveMapping('${score.output}', ctx)).toBe(42);
    expect(resolveMapping('${ score.output }', ctx)).toBe(42);
  });
  it('gives null for a missing whole reference', () => {
    expect(resolveMapping('${fetch.output.nope.deeper}', ctx)).toBeNull();
    expect(resolveMapping('${ghost.output}', ctx)).toBeNull();
    expect(resolveMapping('${workflow.input.absent}', ctx)).toBeNull();
  });
  it('resolves the whole workflow input and nested input paths', () => {
    expect(resolveMapping('${workflow.input}', ctx)).toBe(ctx.workflowInput);
    expect(resolveMapping('${workflow.input.nested.deep.ok}', ctx)).toBe(true);
    expect(resolveMapping('${workflow.input["odd key"]}', ctx)).toBe('odd');
  });
  it('resolves bracket accessors', () => {
    expect(resolveMapping('${fetch.output.items[1].name}', ctx)).toBe('second');
    expect(resolveMapping('${list.output[0]}', ctx)).toBe('a');
    expect(resolveMapping('${fetch.output.items[9].name}', ctx)).toBeNull();
  });
  it('interpolates references inside longer strings', () => {
    expect(resolveMapping('Hello ${workflow.input.name}!', ctx)).toBe('Hello Ada!');
    expect(resolveMapping('n=${workflow.input.count}, flag=${fetch.output.flag}', ctx)).toBe('n=3, flag=false');
    expect(resolveMapping('tags: ${workflow.input.tags}', ctx)).toBe('tags: ["x","y"]');
    expect(resolveMapping('meta ${fetch.output.meta}', ctx)).toBe('meta {"page":1}');
    expect(resolveMapping('[${fetch.output.empty}][${ghost.output.x}]', ctx)).toBe('[][]');
    expect(resolveMapping(' ${score.output}', ctx)).toBe(' 42');
    expect(resolveMapping('${score.output}${score.output}', ctx)).toBe('4242');
  });
  it('walks nested objects and arrays, leaving keys and non-strings alone', () => {
    const mapping = {
      '${workflow.input.name}': 'key stays',
      user: { name: '${workflow.input.name}', tags: '${workflow.input.tags}' },
      list: ['${score.output}', 'lit', 7, null, true, { n: '${fetch.output.total}' }],
    };
    expect(resolveMapping(mapping, ctx)).toEqual({
      '${workflow.input.name}': 'key stays',
      user: { name: 'Ada', tags: ['x', 'y'] },
      list: [42, 'lit', 7, null, true, { n: 2 }],
    });
    expect(mapping.user.name).toBe('${workflow.input.name}');
  });
  it('passes plain strings and malformed expressions through', () => {
    expect(resolveMapping('no refs here', ctx)).toBe('no refs here');
    expect(resolveMapping('${nonsense}', ctx)).toBe('${nonsense}');
    expect(resolveMapping('a ${unclosed', ctx)).toBe('a ${unclosed');
    expect(resolveMapping(undefined, ctx)).toBeUndefined();
  });
  it('resolves step ids containing dots', () => {
    expect(resolveMapping('${api.v1.output.status}', ctx)).toBe('ok');
    const tricky: DataContext = {
      workflowInput: {},
      stepOutputs: new Map<string, unknown>([
        ['a', { output: 'from a' }],
        ['a.output', 'from a.output'],
      ]),
    };
    // Without ids the first split wins: step "a", then its "output" key.
    expect(resolveMapping('${a.output.output}', { ...tricky, stepIds: new Set(['a']) })).toBe('from a');
    expect(resolveMapping('${a.output.output}', { ...tricky, stepIds: new Set(['a.output']) })).toBe('from a.output');
  });
});

describe('terminalOutputs and runOutputs', () => {
  const steps = [
    { id: 'a', dependsOn: [] },
    { id: 'b', dependsOn: ['a'] },
    { id: 'c', dependsOn: ['a'] },
    { id: 'd', dependsOn: [] },
  ];
  const outputs = new Map<string, unknown>([
    ['a', 1],
    ['b', { x: 2 }],
    ['d', undefined],
  ]);

  it('keeps the outputs of steps nobody depends on', () => {
    expect(terminalOutputs(steps, outputs, new Set())).toEqual({ b: { x: 2 }, d: null });
  });
  it('leaves out skipped steps', () => {
    expect(terminalOutputs(steps, new Map([...outputs, ['c', 3]]), new Set(['c', 'd']))).toEqual({ b: { x: 2 } });
  });
  it('uses terminal outputs when the mapping is empty', () => {
    const run: DataContext = { workflowInput: { q: 'x' }, stepOutputs: outputs };
    expect(runOutputs({}, steps, run, new Set())).toEqual({ b: { x: 2 }, d: null });
  });
  it('resolves the mapping otherwise', () => {
    const run: DataContext = { workflowInput: { q: 'x' }, stepOutputs: outputs };
    expect(runOutputs({ result: '${b.output.x}', query: 'q=${workflow.input.q}', missing: '${c.output}' }, steps, run, new Set())).toEqual({
      result: 2,
      query: 'q=x',
      missing: null,
    });
  });
  it('splits dotted ids by the steps of the workflow, as the validator did', () => {
    const dotted = [
      { id: 'a', dependsOn: [] },
      { id: 'a.output', dependsOn: [] },
    ];
    // Both ids exist, so the reference names step "a" (skipped, no output), not "a.output".
    const run: DataContext = { workflowInput: {}, stepOutputs: new Map<string, unknown>([['a.output', 'from a.output']]) };
    expect(runOutputs({ r: '${a.output.output}' }, dotted, run, new Set(['a']))).toEqual({ r: null });
    expect(runOutputs({ r: '${a.output.output}' }, dotted.slice(1), run, new Set())).toEqual({ r: 'from a.output' });
  });
});

describe('evaluateCondition', () => {
  const check = (value: unknown, operator: Condition['operator'], compareTo?: unknown): boolean =>
    evaluateCondition({ value, operator, compareTo }, ctx);

  it('equals and notEquals compare deeply without coercion', () => {
    expect(check('${score.output}', 'equals', 42)).toBe(true);
    expect(check('${score.output}', 'equals', '42')).toBe(false);
    expect(check('${score.output}', 'notEquals', '42')).toBe(true);
    expect(check('${fetch.output.meta}', 'equals', { page: 1 })).toBe(true);
    expect(check('${fetch.output.meta}', 'equals', { page: 1, extra: 0 })).toBe(false);
    expect(check('${workflow.input.tags}', 'equals', ['x', 'y'])).toBe(true);
    expect(check('${workflow.input.tags}', 'equals', ['y', 'x'])).toBe(false);
    expect(check('${list.output}', 'equals', '${list.output}')).toBe(true);
    expect(check('${ghost.output}', 'equals', null)).toBe(true);
    expect(check(0, 'equals', false)).toBe(false);
    expect(check([], 'equals', {})).toBe(false);
    expect(check('Hello ${workflow.input.name}', 'equals', 'Hello Ada')).toBe(true);
  });
  it('orders numbers and strings, and nothing else', () => {
    expect(check('${score.output}', 'gt', 41)).toBe(true);
    expect(check('${score.output}', 'gt', 42)).toBe(false);
    expect(check('${score.output}', 'gte', 42)).toBe(true);
    expect(check('${score.output}', 'lt', 42)).toBe(false);
    expect(check('${score.output}', 'lte', 42)).toBe(true);
    expect(check('2024-03-01T00:00:00Z', 'gt', '2024-02-29T23:59:59Z')).toBe(true);
    expect(check('2024-03-01', 'lt', '2024-12-01')).toBe(true);
    expect(check('apple', 'lt', 'banana')).toBe(true);
    expect(check('${score.output}', 'gt', '10')).toBe(false);
    expect(check('${score.output}', 'lte', '100')).toBe(false);
    expect(check(null, 'lt', 1)).toBe(false);
    expect(check(true, 'gt', false)).toBe(false);
  });
  it('contains: substring, element, key', () => {
    expect(check('${workflow.input.name}', 'contains', 'd')).toBe(true);
    expect(check('${workflow.input.name}', 'contains', 'z')).toBe(false);
    expect(check('${workflow.input.tags}', 'contains', 'y')).toBe(true);
    expect(check('${fetch.output.items}', 'contains', { name: 'second' })).toBe(true);
    expect(check('${fetch.output.items}', 'contains', { name: 'third' })).toBe(false);
    expect(check('${fetch.output.meta}', 'contains', 'page')).toBe(true);
    expect(check('${fetch.output.meta}', 'contains', 'toString')).toBe(false);
    expect(check('${score.output}', 'contains', 4)).toBe(false);
    expect(check([1, 2], 'contains', '1')).toBe(false);
  });
  it('in: element of an array, substring of a string', () => {
    expect(check('x', 'in', '${workflow.input.tags}')).toBe(true);
    expect(check('z', 'in', '${workflow.input.tags}')).toBe(false);
    expect(check('Ad', 'in', '${workflow.input.name}')).toBe(true);
    expect(check({ page: 1 }, 'in', [{ page: 1 }])).toBe(true);
    expect(check(42, 'in', ['42'])).toBe(false);
    expect(check('${ghost.output}', 'in', 'abc')).toBe(false);
  });
  it('exists', () => {
    expect(check('${score.output}', 'exists')).toBe(true);
    expect(check('${fetch.output.flag}', 'exists')).toBe(true);
    expect(check(0, 'exists')).toBe(true);
    expect(check('${fetch.output.empty}', 'exists')).toBe(false);
    expect(check('${fetch.output.nope}', 'exists')).toBe(false);
    expect(check(undefined, 'exists')).toBe(false);
  });
  it('truthy, with empty arrays and objects false', () => {
    expect(check('${score.output}', 'truthy')).toBe(true);
    expect(check('${fetch.output.flag}', 'truthy')).toBe(false);
    expect(check('${workflow.input.tags}', 'truthy')).toBe(true);
    expect(check([], 'truthy')).toBe(false);
    expect(check({}, 'truthy')).toBe(false);
    expect(check({ a: 1 }, 'truthy')).toBe(true);
    expect(check('', 'truthy')).toBe(false);
    expect(check('0', 'truthy')).toBe(true);
    expect(check(0, 'truthy')).toBe(false);
    expect(check('${ghost.output}', 'truthy')).toBe(false);
  });
});

describe('evaluateTransform', () => {
  it('evaluates against the input', async () => {
    expect(await evaluateTransform('$.rows', { rows: [1, 2] })).toEqual([1, 2]);
    expect(await evaluateTransform('$sum(items.price)', { items: [{ price: 2 }, { price: 3 }] })).toBe(5);
    expect(await evaluateTransform('{"names": items.name}', { items: [{ name: 'a' }, { name: 'b' }] })).toEqual({ names: ['a', 'b'] });
  });
  it('returns plain JSON', async () => {
    const result = await evaluateTransform('a.b', { a: [{ b: 1 }, { b: 2 }] });
    expect(Object.keys(result as object)).toEqual(['0', '1']);
    const obj = await evaluateTransform('{"x": 1, "y": nothing}', {});
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(obj).toEqual({ x: 1 });
  });
  it('turns undefined into null', async () => {
    expect(await evaluateTransform('missing', { a: 1 })).toBeNull();
  });
  it('reports syntax errors with their position', async () => {
    const err = await evaluateTransform('$sum(', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransformError);
    expect((err as TransformError).message).toMatch(/^JSONata error at position 5: /);
    expect((err as TransformError).position).toBe(5);
    expect((err as TransformError).code).toBe('S0203');
  });
  it('reports evaluation errors', async () => {
    await expect(evaluateTransform('$number("x")', {})).rejects.toThrow(/JSONata error at position \d+: Unable to cast value to a number/);
  });
  it('rejects functions as results', async () => {
    await expect(evaluateTransform('function($x){$x}', {})).rejects.toThrow(TransformError);
  });
  it('stops runaway recursion and loops', async () => {
    // Not a tail call: JSONata runs tail calls in constant depth.
    const recursion = '($f := function($x){ 1 + $f($x + 1) }; $f(0))';
    await expect(evaluateTransform(recursion, {}, { maxDepth: 200 })).rejects.toMatchObject({ code: 'D1011' });
    const loop = '($f := function($x){ $x > 0 ? $f($x - 1) : 0 }; $f(100000000))';
    await expect(evaluateTransform(loop, {}, { timeoutMs: 50, maxDepth: 1e9 })).rejects.toMatchObject({ code: 'D1012' });
    await expect(evaluateTransform('[1..5000].($ * 2)', {}, { maxSequenceLength: 1000 })).rejects.toMatchObject({ code: 'D2015' });
  });
});

describe('retry', () => {
  const policy: RetryPolicy = { maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 10_000, backoffMultiplier: 2, jitter: 0.2 };
  const half = (): number => 0.5;

  it('backs off exponentially; random 0.5 cancels the jitter', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, half))).toEqual([1000, 2000, 4000, 8000]);
  });
  it('caps at maxDelayMs', () => {
    expect(retryDelayMs(policy, 5, half)).toBe(10_000);
    expect(retryDelayMs(policy, 1000, half)).toBe(10_000);
    expect(retryDelayMs({ ...policy, initialDelayMs: 0 }, 5000, half)).toBe(0);
  });
  it('spreads the delay by the jitter and clamps to maxDelayMs', () => {
    expect(retryDelayMs(policy, 1, () => 0)).toBe(800);
    expect(retryDelayMs(policy, 1, () => 0.999)).toBe(1200);
    expect(retryDelayMs(policy, 2, () => 0.25)).toBe(1800);
    expect(retryDelayMs(policy, 4, () => 0.999)).toBe(9597);
    expect(retryDelayMs(policy, 5, () => 0.999)).toBe(10_000);
    expect(retryDelayMs(policy, 5, () => 0)).toBe(8000);
    expect(retryDelayMs({ ...policy, jitter: 0 }, 1, () => 0)).toBe(1000);
  });
  it('treats Retry-After as a floor capped at ten times maxDelayMs', () => {
    expect(retryDelayMs(policy, 1, half, 5000)).toBe(5000);
    expect(retryDelayMs(policy, 3, half, 100)).toBe(4000);
    expect(retryDelayMs(policy, 1, half, 60_000)).toBe(60_000);
    expect(retryDelayMs(policy, 1, half, 1_000_000)).toBe(100_000);
    expect(retryDelayMs(policy, 1, half, null)).toBe(1000);
  });
  it('retries retryable failures while retries are left', () => {
    expect(shouldRetry(policy, 1, true)).toBe(true);
    expect(shouldRetry(policy, 3, true)).toBe(true);
    expect(shouldRetry(policy, 4, true)).toBe(false);
    expect(shouldRetry(policy, 1, false)).toBe(false);
    expect(shouldRetry(DEFAULT_RETRY, 1, true)).toBe(false);
  });
  it('takes each field from the step, else the agent, else the default', () => {
    expect(effectivePolicy(undefined, undefined)).toEqual(DEFAULT_RETRY);
    expect(effectivePolicy({ maxRetries: 2 }, { maxRetries: 5, initialDelayMs: 500 })).toEqual({
      ...DEFAULT_RETRY,
      maxRetries: 2,
      initialDelayMs: 500,
    });
    expect(effectivePolicy(undefined, { maxRetries: 5, backoffMultiplier: 3 })).toEqual({
      ...DEFAULT_RETRY,
      maxRetries: 5,
      backoffMultiplier: 3,
    });
    expect(effectivePolicy({ maxDelayMs: 100, jitter: 0 }, null)).toEqual({ ...DEFAULT_RETRY, maxDelayMs: 100, jitter: 0 });
  });
  it('ignores unusable stored values and brings values into range', () => {
    const junk = { maxRetries: Number.NaN, jitter: 5, backoffMultiplier: 0.5, initialDelayMs: -1 } as Partial<RetryPolicy>;
    expect(effectivePolicy(junk, { maxRetries: 4 })).toEqual({
      ...DEFAULT_RETRY,
      maxRetries: 4,
      jitter: 1,
      backoffMultiplier: 1,
      initialDelayMs: 0,
    });
  });
});
