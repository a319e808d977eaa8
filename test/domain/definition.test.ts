/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here are workflow references, not JS templates. */
import { describe, expect, it } from 'vitest';
import { detectFormat, fromV002, fromV003, fromV004, toCanonicalCandidate } from '../../src/domain/definition/legacy.ts';
import { findReferences, formatReference, isWholeReference, parseTemplate } from '../../src/domain/definition/references.ts';
import {
  normalizeDefinition,
  stepSchema,
  type WorkflowDefinitionInput,
  workflowDefinitionSchema,
} from '../../src/domain/definition/schema.ts';
import { agentNamesIn, type Issue, type ValidationContext, validateDefinition } from '../../src/domain/definition/validate.ts';

const ctx: ValidationContext = {
  agents: new Map([
    ['A', { status: 'ACTIVE' }],
    ['B', { status: 'ACTIVE' }],
    ['Sleepy', { status: 'INACTIVE' }],
    ['Gone', { status: 'DELETED' }],
  ]),
};

const agent = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'agent' as const, agent: 'A', ...extra });

/** Issues of a candidate expected to be invalid. */
function issuesOf(candidate: unknown): Issue[] {
  const result = validateDefinition(candidate, ctx);
  if (result.ok) throw new Error('expected the definition to be invalid');
  return result.issues;
}

/** Asserts exactly one issue at `path` and returns it. */
function issueAt(issues: Issue[], path: string): Issue {
  const found = issues.filter((i) => i.path === path);
  expect(found, `issues at ${path} in ${JSON.stringify(issues, null, 1)}`).toHaveLength(1);
  return found[0] as Issue;
}

describe('references', () => {
  it('finds whole and interpolated references with their location', () => {
    const { refs, errors } = findReferences(
      { raw_data: '${extract.output.data}', greeting: 'Hello ${workflow.input.name}!', list: [1, '${a.output}'] },
      'steps[1].input',
    );
    expect(errors).toEqual([]);
    expect(refs).toEqual([
      { kind: 'stepOutput', stepId: 'extract', accessors: ['data'], raw: '${extract.output.data}', path: 'steps[1].input.raw_data' },
      { kind: 'workflowInput', accessors: ['name'], raw: '${workflow.input.name}', path: 'steps[1].input.greeting' },
      { kind: 'stepOutput', stepId: 'a', accessors: [], raw: '${a.output}', path: 'steps[1].input.list[1]' },
    ]);
  });

  it('does not scan object keys and quotes keys that are not identifiers in paths', () => {
    const { refs } = findReferences({ '${a.output}': 1, 'odd key': '${workflow.input}' }, 'outputs');
    expect(refs).toHaveLength(1);
    expect(refs[0]?.path).toBe('outputs["odd key"]');
    expect(refs[0]?.kind).toBe('workflowInput');
  });

  it('parses bracket accessors, including quoted keys containing dots and braces', () => {
    const { refs, errors } = findReferences(`\${fetch.output.items[0]["a.b}"]['c d'].e-f}`, 'x');
    expect(errors).toEqual([]);
    expect(refs[0]).toMatchObject({ kind: 'stepOutput', stepId: 'fetch', accessors: ['items', 0, 'a.b}', 'c d', 'e-f'] });
  });

  it('accepts step ids containing dots and prefers a known step id when ambiguous', () => {
    expect(findReferences('${load.v2.output.x}', '').refs[0]).toMatchObject({ stepId: 'load.v2', accessors: ['x'] });
    const ambiguous = '${a.output.output}';
    expect(findReferences(ambiguous, '').refs[0]).toMatchObject({ stepId: 'a', accessors: ['output'] });
    expect(findReferences(ambiguous, '', { stepIds: new Set(['a.output']) }).refs[0]).toMatchObject({
      stepId: 'a.output',
      accessors: [],
    });
  });

  it('tells whole references from interpolated ones', () => {
    expect(isWholeReference('${a.output}')).toBe(true);
    expect(isWholeReference('${ workflow.input.x }')).toBe(true);
    expect(isWholeReference('${a.output} ')).toBe(false);
    expect(isWholeReference('id-${a.output}')).toBe(false);
    expect(isWholeReference('${a.output}${b.output}')).toBe(false);
    expect(isWholeReference('${a.outptu}')).toBe(false);
    expect(isWholeReference('plain')).toBe(false);
  });

  it('splits a template into text and reference parts for interpolation', () => {
    expect(parseTemplate('id-${a.output.n}/x').parts).toEqual([
      { kind: 'text', text: 'id-' },
      { kind: 'ref', raw: '${a.output.n}', ref: { kind: 'stepOutput', stepId: 'a', accessors: ['n'] } },
      { kind: 'text', text: '/x' },
    ]);
  });

  it('renders a parsed reference back to its canonical spelling', () => {
    expect(formatReference({ kind: 'stepOutput', stepId: 's', accessors: ['a', 0, 'b c'] })).toBe('${s.output.a[0]["b c"]}');
    expect(formatReference({ kind: 'workflowInput', accessors: [] })).toBe('${workflow.input}');
  });

  it.each([
    ['${extract.outptu}', 'malformed expression "${extract.outptu}": expected "<step>.output" or "workflow.input"'],
    ['${}', 'malformed expression "${}": empty reference'],
    ['${  }', 'malformed expression "${  }": empty reference'],
    ['before ${workflow.input.x', 'malformed expression "${workflow.input.x": missing closing "}"'],
    ['${workflow.inputs.x}', 'malformed expression "${workflow.inputs.x}": expected "<step>.output"'],
    ['${a.output.[0]}', 'malformed expression "${a.output.[0]}": invalid accessor at ".[0]"'],
    ['${a.output[x]}', 'malformed expression "${a.output[x]}": invalid accessor at "[x]"'],
    ['${a.output.1x}', 'invalid accessor at ".1x"'],
    ['${.output}', 'expected "<step>.output" or "workflow.input"'],
  ])('reports malformed %s', (text, fragment) => {
    const { refs, errors } = findReferences({ v: text }, 'steps[0].input');
    expect(refs).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('steps[0].input.v');
    expect(errors[0]?.message).toContain(fragment);
  });

  it('ignores an apostrophe in the text around a reference', () => {
    const { refs, errors } = findReferences("it's ${a.output.n}'s", '');
    expect(errors).toEqual([]);
    expect(refs).toHaveLength(1);
  });
});

describe('schema and normalizeDefinition', () => {
  it('applies defaults and drops undefined optional keys', () => {
    const def = normalizeDefinition({
      steps: [
        { id: 'a', type: 'agent', agent: 'A', name: undefined },
        { id: 'h', type: 'http', dependsOn: ['a'], request: { url: 'https://x' }, retry: { maxRetries: 2 } },
      ],
    });
    expect(def).toStrictEqual({
      steps: [
        { id: 'a', type: 'agent', dependsOn: [], input: {}, agent: 'A' },
        {
          id: 'h',
          type: 'http',
          dependsOn: ['a'],
          input: {},
          request: { method: 'POST', url: 'https://x' },
          retry: { maxRetries: 2, initialDelayMs: 1000, maxDelayMs: 30000, backoffMultiplier: 2 },
        },
      ],
      inputs: [],
      outputs: {},
    });
  });

  it('serialises equivalent definitions identically (key order, duplicates, implicit entry)', () => {
    const one: WorkflowDefinitionInput = {
      entry: ['b', 'a'],
      outputs: { z: '${c.output}', a: 1 },
      steps: [
        { agent: 'A', type: 'agent', id: 'a', input: { y: 1, x: { d: 2, c: 3 } } },
        { id: 'b', type: 'agent', agent: 'A' },
        { id: 'c', type: 'agent', agent: 'A', dependsOn: ['a', 'b', 'a'] },
      ],
      inputs: [{ type: 'string', name: 'q' }],
    };
    const two: WorkflowDefinitionInput = {
      steps: [
        { id: 'a', type: 'agent', agent: 'A', input: { x: { c: 3, d: 2 }, y: 1 }, dependsOn: [] },
        { id: 'b', agent: 'A', type: 'agent' },
        { id: 'c', type: 'agent', agent: 'A', dependsOn: ['a', 'b'] },
      ],
      inputs: [{ name: 'q', type: 'string', required: false }],
      outputs: { a: 1, z: '${c.output}' },
    };
    const n1 = normalizeDefinition(one);
    expect(JSON.stringify(n1)).toBe(JSON.stringify(normalizeDefinition(two)));
    expect(n1.entry).toBeUndefined();
    expect(n1.steps[2]?.dependsOn).toEqual(['a', 'b']);
    expect(Object.keys(n1)).toEqual(['steps', 'inputs', 'outputs']);
    expect(Object.keys(n1.steps[0] ?? {})).toEqual(['id', 'type', 'dependsOn', 'input', 'agent']);
    expect(normalizeDefinition(n1)).toStrictEqual(n1);
  });

  it('keeps entry when it differs from the root steps', () => {
    const def = normalizeDefinition({ entry: ['a'], steps: [agent('a'), agent('b')] });
    expect(def.entry).toEqual(['a']);
  });

  it('rejects unknown keys and bad ids in a step', () => {
    expect(stepSchema.safeParse({ id: 'a', type: 'agent', agent: 'A', agnet: 'x' }).success).toBe(false);
    expect(stepSchema.safeParse({ id: 'a b', type: 'agent', agent: 'A' }).success).toBe(false);
    expect(stepSchema.safeParse({ id: '${x}', type: 'agent', agent: 'A' }).success).toBe(false);
    expect(workflowDefinitionSchema.safeParse({ steps: [] }).success).toBe(false);
  });
});

describe('validateDefinition', () => {
  it('accepts a valid definition and returns it normalized', () => {
    const result = validateDefinition(
      {
        steps: [
          agent('extract', { input: { source: '${workflow.input.source}' } }),
          {
            id: 'check',
            type: 'condition',
            dependsOn: ['extract'],
            condition: { value: '${extract.output.n}', operator: 'gt', compareTo: 3 },
            onTrue: ['report'],
          },
          { id: 'report', type: 'agent', agent: 'B', dependsOn: ['check'], input: { rows: '${extract.output.rows}' } },
          { id: 'pause', type: 'delay', durationMs: 10, dependsOn: ['check'] },
        ],
        outputs: { report: '${report.output}', count: '${extract.output.n}' },
      },
      ctx,
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.definition.steps[1]).toMatchObject({ onTrue: ['report'], onFalse: [] });
  });

  it('reports structural errors with the step id and a rendered path', () => {
    const issues = issuesOf({ steps: [agent('a'), { id: 'b', type: 'fetch' }, agent('c', { agnt: 1, timeoutMs: 0 })] });
    expect(issueAt(issues, 'steps[1].type')).toEqual({
      path: 'steps[1].type',
      stepId: 'b',
      message: 'step "b": unknown step type "fetch"; expected one of agent, http, condition, transform, delay, wait',
    });
    expect(issueAt(issues, 'steps[2].agnt').message).toBe('step "c": unknown field "agnt"');
    expect(issueAt(issues, 'steps[2].timeoutMs').message).toBe('step "c": "timeoutMs" must be >= 1, got 0');
  });

  it('reports missing fields, nested paths and a non-object definition', () => {
    const issues = issuesOf({
      steps: [
        { id: 'h', type: 'http', request: { method: 'FETCH' } },
        { type: 'agent', agent: 'A' },
      ],
    });
    expect(issueAt(issues, 'steps[0].request.url').message).toBe('step "h": "request.url" is required');
    expect(issueAt(issues, 'steps[0].request.method').message).toContain('"request.method" must be one of "GET", "POST"');
    expect(issueAt(issues, 'steps[1].id')).toEqual({ path: 'steps[1].id', message: 'steps[1]: "id" is required' });
    expect(issuesOf('nope')).toEqual([{ path: '', message: 'definition must be an object, got string "nope"' }]);
    expect(issueAt(issuesOf({ steps: [] }), 'steps').message).toBe('"steps" must contain at least 1 item');
  });

  it('still runs the graph rules over the other steps when one step is broken', () => {
    const issues = issuesOf({ steps: [agent('a'), { id: 'b', type: 'bogus', dependsOn: ['a'] }, agent('c', { dependsOn: ['b', 'x'] })] });
    expect(issueAt(issues, 'steps[1].type').stepId).toBe('b');
    // "b" exists even though it is broken, so "c" only gets the truly unknown dependency.
    expect(issues.filter((i) => i.stepId === 'c').map((i) => i.path)).toEqual(['steps[2].dependsOn[1]']);
  });

  it('reports duplicate step ids once', () => {
    const issues = issuesOf({ steps: [agent('a'), agent('b', { dependsOn: ['a'] }), agent('a')] });
    expect(issues).toEqual([{ path: 'steps[2].id', stepId: 'a', message: 'step "a" is defined 2 times (steps[0], steps[2])' }]);
  });

  it('reports bad and duplicate input declarations by name', () => {
    const issues = issuesOf({
      steps: [agent('a')],
      inputs: [{ name: 'region', type: 'date' }, { name: 'limit', type: 'integer' }, { name: 'region' }],
    });
    expect(issueAt(issues, 'inputs[0].type').message).toMatch(/^input "region": "type" must be one of "string", .*; got "date"$/);
    expect(issueAt(issues, 'inputs[2].name')).toEqual({ path: 'inputs[2].name', message: 'input "region" is declared 2 times' });
  });

  it('reports dependsOn naming an unknown step, with a hint', () => {
    const issues = issuesOf({ steps: [agent('extract'), agent('load', { dependsOn: ['extrct'] })] });
    expect(issueAt(issues, 'steps[1].dependsOn[0]')).toEqual({
      path: 'steps[1].dependsOn[0]',
      stepId: 'load',
      message: 'step "load" depends on unknown step "extrct"; did you mean "extract"?',
    });
  });

  it('reports onTrue/onFalse and entry naming unknown steps', () => {
    const issues = issuesOf({
      entry: ['start', 'ghost'],
      steps: [
        agent('start'),
        {
          id: 'c',
          type: 'condition',
          dependsOn: ['start'],
          condition: { value: true, operator: 'truthy' },
          onTrue: ['nope'],
          onFalse: ['zilch'],
        },
      ],
    });
    expect(issueAt(issues, 'steps[1].onTrue[0]')).toMatchObject({ stepId: 'c', message: 'step "c": onTrue names unknown step "nope"' });
    expect(issueAt(issues, 'steps[1].onFalse[0]').message).toContain('onFalse names unknown step "zilch"');
    expect(issueAt(issues, 'entry[1]')).toEqual({ path: 'entry[1]', message: 'entry names unknown step "ghost"' });
  });

  it('reports unknown, inactive and deleted agents', () => {
    const issues = issuesOf({
      steps: [agent('load', { agent: 'DataLoaderAgent' }), agent('nap', { agent: 'Sleepy' }), agent('old', { agent: 'Gone' })],
    });
    expect(issueAt(issues, 'steps[0].agent')).toEqual({
      path: 'steps[0].agent',
      stepId: 'load',
      message: 'step "load": agent "DataLoaderAgent" does not exist',
    });
    expect(issueAt(issues, 'steps[1].agent').message).toBe('step "nap": agent "Sleepy" is inactive');
    expect(issueAt(issues, 'steps[2].agent').message).toContain('agent "Gone" is inactive');
  });

  it('reports each cycle once with its path', () => {
    const issues = issuesOf({
      steps: [
        agent('start'),
        agent('a', { dependsOn: ['start', 'c'] }),
        agent('b', { dependsOn: ['a'] }),
        agent('c', { dependsOn: ['b'] }),
        agent('self', { dependsOn: ['start', 'self'] }),
      ],
    });
    const cycles = issues.filter((i) => i.message.startsWith('cycle'));
    expect(cycles).toEqual([
      { path: 'steps[1].dependsOn[1]', stepId: 'a', message: 'cycle: a → b → c → a' },
      { path: 'steps[4].dependsOn[1]', stepId: 'self', message: 'cycle: self → self' },
    ]);
    // Reachable from "start", so nothing is unreachable.
    expect(issues).toHaveLength(2);
  });

  it('reports steps unreachable from the entry steps, including a cycle no root reaches', () => {
    const explicit = issuesOf({ entry: ['a'], steps: [agent('a'), agent('b'), agent('c', { dependsOn: ['b'] })] });
    expect(explicit).toEqual([
      { path: 'steps[1]', stepId: 'b', message: 'step "b" is unreachable from the entry steps ("a")' },
      { path: 'steps[2]', stepId: 'c', message: 'step "c" is unreachable from the entry steps ("a")' },
    ]);
    const island = issuesOf({ steps: [agent('a'), agent('x', { dependsOn: ['y'] }), agent('y', { dependsOn: ['x'] })] });
    expect(island.map((i) => [i.path, i.message])).toEqual([
      ['steps[1].dependsOn[0]', 'cycle: x → y → x'],
      ['steps[1]', 'step "x" is unreachable from the entry steps ("a")'],
      ['steps[2]', 'step "y" is unreachable from the entry steps ("a")'],
    ]);
  });

  it('reports references to unknown steps', () => {
    const issues = issuesOf({ steps: [agent('a', { input: { raw_data: '${extract.output.data}' } })] });
    expect(issues).toEqual([{ path: 'steps[0].input.raw_data', stepId: 'a', message: 'step "a" references unknown step "extract"' }]);
  });

  it('reports references to steps that are not upstream, and accepts transitive ones', () => {
    const issues = issuesOf({
      steps: [
        agent('a'),
        agent('b', { dependsOn: ['a'] }),
        agent('c', { dependsOn: ['b'], input: { ok: '${a.output}', bad: 'x ${d.output.v}' } }),
        agent('d', { dependsOn: ['a'] }),
      ],
    });
    expect(issues).toEqual([
      {
        path: 'steps[2].input.bad',
        stepId: 'c',
        message: 'step "c" references "d".output but "d" is not upstream of "c"; add it to dependsOn',
      },
    ]);
  });

  it('reports a step referencing its own output', () => {
    const issues = issuesOf({ steps: [agent('a', { input: { me: '${a.output}' } })] });
    expect(issueAt(issues, 'steps[0].input.me')).toMatchObject({
      stepId: 'a',
      message: 'step "a" references its own output (${a.output})',
    });
  });

  it('lets outputs reference any existing step but not unknown ones', () => {
    const issues = issuesOf({ steps: [agent('a'), agent('b')], outputs: { a: '${a.output}', report: { x: '${rep.output}' } } });
    expect(issues).toEqual([{ path: 'outputs.report.x', message: 'output expression "${rep.output}" references unknown step "rep"' }]);
  });

  it('requires condition branch targets to depend on the condition', () => {
    const issues = issuesOf({
      steps: [
        {
          id: 'check',
          type: 'condition',
          condition: { value: '${workflow.input.n}', operator: 'exists' },
          onTrue: ['yes'],
          onFalse: ['no'],
        },
        agent('yes', { dependsOn: ['check'] }),
        agent('no'),
      ],
    });
    expect(issues).toEqual([
      {
        path: 'steps[0].onFalse[0]',
        stepId: 'check',
        message: 'step "check": onFalse target "no" must depend on "check"; add "check" to the dependsOn of "no"',
      },
    ]);
  });

  it('reports malformed expressions in condition, http request and outputs', () => {
    const issues = issuesOf({
      steps: [
        { id: 'c', type: 'condition', condition: { value: '${extract.outptu}', operator: 'truthy' } },
        {
          id: 'h',
          type: 'http',
          dependsOn: ['c'],
          request: { url: 'https://x/${c.output', headers: { auth: '${}' }, body: { q: ['${c.output[x]}'] } },
        },
      ],
      outputs: { report: '${nothing}' },
    });
    expect(issueAt(issues, 'steps[0].condition.value')).toEqual({
      path: 'steps[0].condition.value',
      stepId: 'c',
      message: 'step "c": malformed expression "${extract.outptu}": expected "<step>.output" or "workflow.input"',
    });
    expect(issueAt(issues, 'steps[1].request.url').message).toContain('missing closing "}"');
    expect(issueAt(issues, 'steps[1].request.headers.auth').message).toContain('empty reference');
    expect(issueAt(issues, 'steps[1].request.body.q[0]').message).toContain('invalid accessor at "[x]"');
    expect(issueAt(issues, 'outputs.report').message).toContain('malformed expression "${nothing}"');
    expect(issues).toHaveLength(5);
  });

  it('reports every problem of a definition at once', () => {
    const issues = issuesOf({
      steps: [
        agent('load', { agent: 'DataLoaderAgent', input: { raw: '${later.output}' } }),
        agent('load'),
        { id: 'bad', type: 'delay', durationMs: -1, dependsOn: ['load'] },
        agent('later', { dependsOn: ['load', 'missing'] }),
        agent('x', { dependsOn: ['x'] }),
      ],
      outputs: { out: '${oops' },
    });
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'outputs.out',
        'steps[0].agent',
        'steps[0].input.raw',
        'steps[1].id',
        'steps[2].durationMs',
        'steps[3].dependsOn[1]',
        'steps[4]',
        'steps[4].dependsOn[0]',
      ].sort(),
    );
  });

  it('lists the agent names a candidate uses', () => {
    expect(
      agentNamesIn({
        steps: [agent('a', { agent: 'X' }), agent('b', { agent: 'Y' }), agent('c', { agent: 'X' }), { id: 'd', type: 'delay' }],
      }),
    ).toEqual(['X', 'Y']);
    expect(agentNamesIn('garbage')).toEqual([]);
  });
});

describe('legacy formats', () => {
  const source = '${workflow.input.source}';
  const data = '${extract.output.data}';
  const v004 = {
    start_step: 'extract',
    steps: {
      transform: { agent_name: 'B', input_mapping: { data } },
      extract: { id: 'extract', agent_name: 'A', next_step: 'transform', input_mapping: { source } },
    },
  };
  const v003 = {
    nodes: [
      { id: 'extract', type: 'agent', action: 'A', config: { input_mapping: { source } } },
      { id: 'transform', type: 'agent', action: 'B', input_from: 'extract', config: { input_mapping: { data } } },
    ],
  };
  const v002 = {
    steps: [
      {
        name: 'transform',
        step_type: 'agent',
        step_order: 2,
        depends_on_steps: ['extract'],
        config: { agent_name: 'B', input_mapping: { data } },
      },
      { name: 'extract', step_type: 'agent', step_order: 1, config: { agent_name: 'A', input_mapping: { source } } },
    ],
  };

  it('detects each format', () => {
    expect(detectFormat({ steps: [agent('a')] })).toBe('canonical');
    expect(detectFormat({ steps: [{ id: 'a', type: 'fetch' }] })).toBe('canonical');
    expect(detectFormat({ steps: [] })).toBe('canonical');
    expect(detectFormat(v004)).toBe('v004');
    expect(detectFormat({ steps: {} })).toBe('v004');
    expect(detectFormat(v003)).toBe('v003');
    expect(detectFormat({ definition: v003 })).toBe('v003');
    expect(detectFormat(v002)).toBe('v002');
    expect(detectFormat({ steps: [{ name: 'x' }] })).toBe('v002');
    expect(detectFormat({ foo: 1 })).toBeNull();
    expect(detectFormat([])).toBeNull();
    expect(toCanonicalCandidate({ foo: 1 }).issues[0]?.message).toContain('unrecognised definition format');
  });

  it('converts the three legacy shapes of one workflow to the same canonical definition', () => {
    const converted = [fromV004(v004), fromV003(v003), fromV002(v002)];
    for (const c of converted) expect(c.issues).toEqual([]);
    const [a, b, c] = converted.map((x) => normalizeDefinition(x.definition as WorkflowDefinitionInput));
    expect(a).toStrictEqual({
      steps: [
        { id: 'extract', type: 'agent', dependsOn: [], input: { source }, agent: 'A' },
        { id: 'transform', type: 'agent', dependsOn: ['extract'], input: { data }, agent: 'B' },
      ],
      inputs: [],
      outputs: {},
    });
    expect(b).toStrictEqual(a);
    expect(c).toStrictEqual(a);
    expect(JSON.stringify(c)).toBe(JSON.stringify(a));
    for (const x of converted) {
      const result = validateDefinition(x.definition, ctx);
      expect(result).toEqual({ ok: true, definition: a, issues: [] });
    }
  });

  it('v004: orders by chain, maps retry and timeout, sets entry', () => {
    const { definition, issues } = fromV004({
      start_step: 'one',
      steps: {
        orphan: { agent_name: 'A' },
        two: { agent_name: 'B', timeout_ms: 500 },
        one: { agent_name: 'A', next_step: 'two', retry_config: { max_retries: 3, initial_delay_ms: 10, backoff_multiplier: 1.5 } },
      },
    });
    expect(issues).toEqual([]);
    expect(definition).toEqual({
      steps: [
        {
          id: 'one',
          type: 'agent',
          dependsOn: [],
          input: {},
          agent: 'A',
          retry: { maxRetries: 3, initialDelayMs: 10, backoffMultiplier: 1.5 },
        },
        { id: 'two', type: 'agent', dependsOn: ['one'], input: {}, agent: 'B', timeoutMs: 500 },
        { id: 'orphan', type: 'agent', dependsOn: [], input: {}, agent: 'A' },
      ],
      entry: ['one'],
    });
    // The explicit entry makes "orphan" unreachable, as it was in the chain.
    expect(issueAt(issuesOf(definition), 'steps[2]').message).toContain('unreachable');
  });

  it('v004: reports shape problems', () => {
    const { issues } = fromV004({
      steps: { a: { id: 'b', agent_name: 'A', next_step: 'nowhere' }, c: { next_step: null } },
    });
    expect(issues).toEqual([
      { path: 'start_step', message: '"start_step" is missing; it must name the first step' },
      { path: 'steps.a.next_step', stepId: 'a', message: 'step "a": next_step "nowhere" does not exist' },
      { path: 'steps.a.id', stepId: 'a', message: 'step "a": id "b" differs from its key "a"' },
      { path: 'steps.c.agent_name', stepId: 'c', message: 'step "c": agent_name is missing' },
    ]);
    expect(fromV004({ start_step: 'zz', steps: { a: { agent_name: 'A' } } }).issues).toEqual([
      { path: 'start_step', message: 'start_step "zz" does not name a step in "steps"' },
    ]);
  });

  it('v003: wires implicit agent input, converts conditions and other node types', () => {
    const { definition, issues } = fromV003({
      definition: {
        inputs: { amount: { type: 'float', required: true }, note: 'string' },
        outputs: { result: '${notify.output}' },
        nodes: [
          { id: 'fetch', type: 'http', config: { method: 'get', url: 'https://x/${workflow.input.id}' } },
          { id: 'check', type: 'condition', input_from: 'fetch', config: { field: '$.body.total', operator: 'greater_than', value: 10 } },
          { id: 'gate', type: 'condition', config: { field: '$.amount', operator: 'exists' } },
          { id: 'score', type: 'tool', action: 'rate', input_from: ['check'], config: { agent: 'B', mode: 'fast' } },
          { id: 'merge', type: 'integration', action: 'A', input_from: ['score', 'gate'] },
          { id: 'hold', type: 'approval', input_from: 'merge', config: { signal: 'ok' } },
          { id: 'nap', type: 'delay', input_from: 'hold', config: { seconds: 2 } },
          { id: 'notify', type: 'transform', input_from: 'nap', config: { expression: '$' } },
        ],
      },
    });
    expect(issues).toEqual([]);
    const def = definition as { steps: Record<string, unknown>[]; inputs: unknown; outputs: unknown };
    expect(def.steps[0]).toMatchObject({ type: 'http', request: { method: 'GET', url: 'https://x/${workflow.input.id}' } });
    expect(def.steps[1]).toMatchObject({
      type: 'condition',
      condition: { value: '${fetch.output.body.total}', operator: 'gt', compareTo: 10 },
      onTrue: ['score'],
      onFalse: [],
    });
    expect(def.steps[2]).toMatchObject({ condition: { value: '${workflow.input.amount}', operator: 'exists' }, onTrue: ['merge'] });
    expect(def.steps[3]).toMatchObject({ type: 'agent', agent: 'B', action: 'rate', input: { input: '${check.output}', mode: 'fast' } });
    expect(def.steps[4]).toMatchObject({
      type: 'agent',
      agent: 'A',
      input: { inputs: { score: '${score.output}', gate: '${gate.output}' } },
    });
    expect(def.steps[4]).not.toHaveProperty('action');
    expect(def.steps[5]).toMatchObject({ type: 'wait', signal: 'ok' });
    expect(def.steps[6]).toMatchObject({ type: 'delay', durationMs: 2000 });
    expect(def.inputs).toEqual([
      { name: 'amount', type: 'number', required: true },
      { name: 'note', type: 'string' },
    ]);
    expect(def.outputs).toEqual({ result: '${notify.output}' });
    const result = validateDefinition(definition, ctx);
    expect(result.ok).toBe(true);
  });

  it('v003: reports unknown node types, operators and unreadable fields', () => {
    const { issues } = fromV003({
      nodes: [
        { id: 'a', type: 'teleport' },
        { id: 'b', type: 'condition', config: { field: '$..deep', operator: 'roughly' } },
        { id: 'c', type: 'agent' },
      ],
    });
    expect(issues.map((i) => [i.path, i.stepId])).toEqual([
      ['nodes[0].type', 'a'],
      ['nodes[1].config.field', 'b'],
      ['nodes[1].config.operator', 'b'],
      ['nodes[2].action', 'c'],
    ]);
    expect(issues[0]?.message).toContain('node "a": unknown node type "teleport"');
    expect(issues[2]?.message).toContain('unknown operator "roughly"');
  });

  it('v002: slugs names, maps dependencies, order, timeouts, retries and variables', () => {
    const { definition, issues } = fromV002({
      variables: [
        { name: 'region', data_type: 'str', is_required: true, default_value: 'eu' },
        { name: 'blob', data_type: 'weird' },
      ],
      steps: [
        { name: 'Process Data', step_type: 'task', step_order: 2, depends_on_steps: ['Fetch'], config: { processing_type: 'normalize' } },
        { name: 'Fetch', step_type: 'http', step_order: 1, timeout_seconds: 30, max_retries: 2, config: { url: 'https://x' } },
        {
          name: 'Decide',
          step_type: 'condition',
          step_order: 3,
          depends_on_steps: ['Process Data'],
          config: { field: '$.ok', operator: 'equals', value: true, true_steps: ['Ship'], false_steps: ['Wait'] },
        },
        { name: 'Ship', step_type: 'task', step_order: 4, depends_on_steps: ['Decide'], config: { agent_name: 'A', action: 'send' } },
        { name: 'Wait', step_type: 'human', step_order: 4, depends_on_steps: ['Decide'] },
      ],
    });
    expect(issues).toEqual([]);
    const def = definition as { steps: Record<string, unknown>[]; inputs: unknown };
    expect(def.steps.map((s) => s.id)).toEqual(['Fetch', 'process_data', 'Decide', 'Ship', 'Wait']);
    expect(def.steps[0]).toMatchObject({ type: 'http', timeoutMs: 30000, retry: { maxRetries: 2 }, request: { url: 'https://x' } });
    expect(def.steps[1]).toEqual({
      id: 'process_data',
      name: 'Process Data',
      dependsOn: ['Fetch'],
      input: {},
      type: 'transform',
      expression: '$',
    });
    expect(def.steps[2]).toMatchObject({
      condition: { value: '${process_data.output.ok}', operator: 'equals', compareTo: true },
      onTrue: ['Ship'],
      onFalse: ['Wait'],
    });
    expect(def.steps[3]).toMatchObject({ type: 'agent', agent: 'A', action: 'send' });
    expect(def.steps[4]).toMatchObject({ type: 'wait' });
    expect(def.inputs).toEqual([
      { name: 'region', type: 'string', required: true, default: 'eu' },
      { name: 'blob', type: 'json' },
    ]);
    expect(validateDefinition(definition, ctx).ok).toBe(true);
  });

  it('v002: makes branch targets depend on their condition', () => {
    const { definition, issues } = fromV002({
      steps: [
        { name: 'check', step_type: 'condition', config: { field: '$.go', operator: 'truthy', true_steps: ['go'] } },
        { name: 'go', step_type: 'delay', config: { seconds: 1 } },
      ],
    });
    expect(issues).toEqual([]);
    expect((definition as { steps: unknown[] }).steps[1]).toEqual({
      id: 'go',
      type: 'delay',
      dependsOn: ['check'],
      input: {},
      durationMs: 1000,
    });
    expect(validateDefinition(definition, ctx).ok).toBe(true);
  });

  it('v002: reports unknown dependencies, step types and missing agents', () => {
    const { issues } = fromV002({
      steps: [
        { name: 'load', step_type: 'agent', depends_on_steps: ['x'], config: {} },
        { name: 'odd', step_type: 'quantum' },
      ],
    });
    expect(issues).toEqual([
      { path: 'steps[0].depends_on_steps', stepId: 'load', message: 'step "x" does not exist (in depends_on_steps of step "load")' },
      { path: 'steps[0].config.agent_name', stepId: 'load', message: 'step "load": agent_name is missing' },
      {
        path: 'steps[1].step_type',
        stepId: 'odd',
        message:
          'step "odd": unknown step_type "quantum"; expected one of agent, task, condition, http, transform, delay, wait, approval, human',
      },
    ]);
  });

  it('v002: keeps ids unique when different names slug to the same id', () => {
    const { definition } = fromV002({
      steps: [
        { name: 'Load Data', step_type: 'transform', config: { expression: '$' } },
        { name: 'load_data', step_type: 'transform', config: { expression: '$' } },
        { name: 'load-data!', step_type: 'transform', config: { expression: '$' } },
      ],
    });
    expect((definition as { steps: { id: string }[] }).steps.map((s) => s.id)).toEqual(['load_data_2', 'load_data', 'load_data_3']);
  });
});
