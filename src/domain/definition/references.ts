/**
 * `${…}` references inside mapping values.
 *
 * Grammar of the text between `${` and `}` (surrounding spaces are ignored):
 *   path     := "workflow.input" accessor* | stepId ".output" accessor*
 *   accessor := "." name | "[" digits "]" | "[" quoted-string "]"
 *   name     := [A-Za-z_][A-Za-z0-9_-]*
 * Quoted strings use `"` or `'` and may escape the quote or a backslash with `\`.
 */
import { isPlainObject } from './schema.ts';

export type Accessor = string | number;

/** What a `${…}` expression points at; `accessors` are applied in order to the resolved root. */
export interface ParsedReference {
  kind: 'workflowInput' | 'stepOutput';
  /** Present for `stepOutput`. */
  stepId?: string;
  accessors: Accessor[];
}

export interface Reference extends ParsedReference {
  /** The whole expression including `${` and `}`. */
  raw: string;
  /** Location of the string holding the expression, e.g. `steps[1].input.raw_data`. */
  path: string;
}

export interface ReferenceError {
  path: string;
  message: string;
}

/** A string split into literal text and references, in order; what the engine interpolates. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'ref'; raw: string; ref: ParsedReference };

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Messages for malformed expressions (not located: the caller knows where the string is). */
  errors: string[];
}

export interface FindReferencesOptions {
  /**
   * Known step ids. Step ids may contain ".", so `${a.output.output}` is ambiguous; when
   * given, a split whose step id is known wins over the first `.output`.
   */
  stepIds?: ReadonlySet<string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const WORKFLOW_INPUT = 'workflow.input';
const EXPECTED_HEAD = 'expected "<step>.output" or "workflow.input"';

/** Appends an object key or array index to a rendered path (`a.b`, `a[0]`, `a["x y"]`). */
export function appendPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (NAME.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Renders a path given as segments, e.g. `['steps', 2, 'type']` → `steps[2].type`. */
export function renderPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((acc, seg) => appendPath(acc, typeof seg === 'number' ? seg : String(seg)), '');
}

/**
 * Parses accessors (`.a[0]["b c"]`) from `text`. Returns the list, or an error message
 * naming the offending part.
 */
function parseAccessors(text: string, raw: string): Accessor[] | string {
  const accessors: Accessor[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const dot = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest);
    if (dot?.[1] !== undefined) {
      accessors.push(dot[1]);
      i += dot[0].length;
      continue;
    }
    const index = /^\[(\d+)\]/.exec(rest);
    if (index?.[1] !== undefined) {
      accessors.push(Number(index[1]));
      i += index[0].length;
      continue;
    }
    const quoted = /^\[(["'])((?:\\.|(?!\1)[^\\])*)\1\]/.exec(rest);
    if (quoted?.[2] !== undefined) {
      accessors.push(quoted[2].replace(/\\(.)/g, '$1'));
      i += quoted[0].length;
      continue;
    }
    return `malformed expression "${raw}": invalid accessor at "${rest}"; expected ".name", "[index]" or "[\\"key\\"]"`;
  }
  return accessors;
}

/** Candidate split points: every `.output` followed by the end, `.` or `[`. */
function outputSplits(body: string): number[] {
  const splits: number[] = [];
  const re = /\.output(?=$|[.[])/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) splits.push(m.index);
  return splits;
}

/**
 * Parses the inside of `${…}` (without the braces). Returns the reference or an error
 * message quoting `raw`.
 */
export function parseReferencePath(inner: string, raw = `\${${inner}}`, options: FindReferencesOptions = {}): ParsedReference | string {
  const body = inner.trim();
  if (body === '') return `malformed expression "${raw}": empty reference; ${EXPECTED_HEAD}`;
  if (body === WORKFLOW_INPUT || body.startsWith(`${WORKFLOW_INPUT}.`) || body.startsWith(`${WORKFLOW_INPUT}[`)) {
    const accessors = parseAccessors(body.slice(WORKFLOW_INPUT.length), raw);
    return typeof accessors === 'string' ? accessors : { kind: 'workflowInput', accessors };
  }
  const splits = outputSplits(body).filter((at) => /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(body.slice(0, at)));
  const known = options.stepIds;
  const split = (known && splits.find((at) => known.has(body.slice(0, at)))) ?? splits[0];
  if (split === undefined) return `malformed expression "${raw}": ${EXPECTED_HEAD}`;
  const accessors = parseAccessors(body.slice(split + '.output'.length), raw);
  if (typeof accessors === 'string') return accessors;
  return { kind: 'stepOutput', stepId: body.slice(0, split), accessors };
}

/**
 * Index of the `}` closing the expression opened just before `from`. Quotes only matter
 * inside `[...]`, so a `}` in a quoted key does not close it while an apostrophe elsewhere
 * does not swallow the rest of the string.
 */
function findClose(s: string, from: number): number {
  let quote: string | null = null;
  let inBracket = false;
  for (let i = from; i < s.length; i++) {
    const ch = s[i];
    if (quote !== null) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (inBracket && (ch === '"' || ch === "'")) {
      quote = ch;
    } else if (ch === '[') {
      inBracket = true;
    } else if (ch === ']') {
      inBracket = false;
    } else if (ch === '}') {
      return i;
    }
  }
  return -1;
}

/**
 * Splits a string into text and `${…}` references. Malformed expressions are reported in
 * `errors` and kept as text so a caller can still show the string.
 */
export function parseTemplate(s: string, options: FindReferencesOptions = {}): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: string[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf('${', i);
    if (open === -1) break;
    const close = findClose(s, open + 2);
    if (close === -1) {
      errors.push(`malformed expression "${s.slice(open)}": missing closing "}"`);
      break;
    }
    const raw = s.slice(open, close + 1);
    text += s.slice(i, open);
    const parsed = parseReferencePath(s.slice(open + 2, close), raw, options);
    if (typeof parsed === 'string') {
      errors.push(parsed);
      text += raw;
    } else {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'ref', raw, ref: parsed });
    }
    i = close + 1;
  }
  text += s.slice(i);
  if (text !== '') parts.push({ kind: 'text', text });
  return { parts, errors };
}

/**
 * True when `s` is exactly one well-formed `${…}` and nothing else; the engine then keeps
 * the referenced value's type instead of interpolating it into a string.
 */
export function isWholeReference(s: string): boolean {
  const { parts, errors } = parseTemplate(s);
  return errors.length === 0 && parts.length === 1 && parts[0]?.kind === 'ref';
}

/**
 * Collects every `${…}` reference in the string values of a JSON value (object keys are
 * not scanned), with the location of each string relative to `basePath`.
 */
export function findReferences(
  value: unknown,
  basePath: string,
  options: FindReferencesOptions = {},
): { refs: Reference[]; errors: ReferenceError[] } {
  const refs: Reference[] = [];
  const errors: ReferenceError[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return;
      const template = parseTemplate(node, options);
      for (const part of template.parts) if (part.kind === 'ref') refs.push({ ...part.ref, raw: part.raw, path });
      for (const message of template.errors) errors.push({ path, message });
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => {
        walk(item, appendPath(path, index));
      });
    } else if (isPlainObject(node)) {
      for (const [key, item] of Object.entries(node)) walk(item, appendPath(path, key));
    }
  };
  walk(value, basePath);
  return { refs, errors };
}

/** Renders a parsed reference back to `${…}` text (canonical spelling). */
export function formatReference(ref: ParsedReference): string {
  const head = ref.kind === 'workflowInput' ? WORKFLOW_INPUT : `${ref.stepId ?? ''}.output`;
  const tail = ref.accessors.map((a) => (typeof a === 'number' ? `[${a}]` : NAME.test(a) ? `.${a}` : `[${JSON.stringify(a)}]`)).join('');
  return `\${${head}${tail}}`;
}
