/**
 * Evaluation of condition steps. Operands are resolved like any mapping, so
 * `"${check.output.count}"` compares the number itself, not its text.
 */
import type { ConditionOperator } from '../domain/definition/schema.ts';
import { isPlainObject } from '../domain/definition/schema.ts';
import { type DataContext, resolveMapping } from './dataflow.ts';

/** A condition step's test, as in the canonical definition. */
export interface Condition {
  value: unknown;
  operator: ConditionOperator;
  compareTo?: unknown;
}

/**
 * Structural equality of JSON values. No coercion: `1` and `"1"` differ. Undefined and
 * null are the same "absent" value, and so are an object member set to undefined and a
 * missing one, because neither survives a trip through JSON.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keysA = Object.keys(a).filter((key) => a[key] !== undefined);
    const keysB = Object.keys(b).filter((key) => b[key] !== undefined);
    return keysA.length === keysB.length && keysA.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/**
 * Ordering for gt/gte/lt/lte: negative, zero or positive, or undefined when the operands are
 * not comparable. Two numbers compare numerically; two strings compare by code unit, which
 * orders ISO 8601 timestamps written in the same form (same offset, same precision)
 * chronologically. Anything else, including a number against a numeric string, is not
 * comparable, so every ordering test on it is false.
 */
function order(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) || Number.isNaN(b) ? undefined : a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

/**
 * Whether `container` contains `item`: a substring of a string, an element (by deep
 * equality) of an array, or a key of an object.
 */
function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (Array.isArray(container)) return container.some((element) => deepEqual(element, item));
  if (isPlainObject(container)) {
    // Keys are strings in JSON, so a number names the same key as its text.
    return (typeof item === 'string' || typeof item === 'number') && Object.hasOwn(container, String(item));
  }
  return false;
}

/** JS truthiness, except that an empty array or object is false: "no results" should not pass. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/**
 * Evaluates a condition against the run's data. `value` and `compareTo` are resolved with
 * `resolveMapping` first (a missing reference is null). Operators:
 * - `equals` / `notEquals`: deep equality, no type coercion;
 * - `gt` / `gte` / `lt` / `lte`: two numbers, or two strings compared lexically; false otherwise;
 * - `contains`: `value` (string / array / object) contains `compareTo` (substring / element / key);
 * - `in`: `compareTo` contains `value`, the same test reversed;
 * - `exists`: `value` is neither null nor undefined;
 * - `truthy`: JS truthiness, with empty arrays and objects false.
 */
export function evaluateCondition(condition: Condition, ctx: DataContext): boolean {
  const value = resolveMapping(condition.value, ctx);
  const compareTo = resolveMapping(condition.compareTo, ctx);
  const operator = condition.operator;
  switch (operator) {
    case 'equals':
      return deepEqual(value, compareTo);
    case 'notEquals':
      return !deepEqual(value, compareTo);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const cmp = order(value, compareTo);
      if (cmp === undefined) return false;
      if (operator === 'gt') return cmp > 0;
      if (operator === 'gte') return cmp >= 0;
      if (operator === 'lt') return cmp < 0;
      return cmp <= 0;
    }
    case 'contains':
      return contains(value, compareTo);
    case 'in':
      return contains(compareTo, value);
    case 'exists':
      return value !== undefined && value !== null;
    case 'truthy':
      return truthy(value);
    default: {
      // Definitions are validated, so this only fires on a stored definition from a newer version.
      const unknown: never = operator;
      throw new Error(`unknown condition operator "${String(unknown)}"`);
    }
  }
}
