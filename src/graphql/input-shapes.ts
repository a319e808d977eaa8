// Mutations take one `input` object; their older argument shapes keep working for a release,
// deprecated. These helpers read a value from whichever shape the caller used.
import type { ArgBuilder } from '@pothos/core';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { builder } from './builder.ts';
import { idOf } from './ids.ts';

/**
 * The value given either inside `input` (at `path`) or as the deprecated argument `legacy`:
 * exactly one of them must be given, so a caller mixing both shapes learns it instead of one
 * silently winning.
 */
export function fromEither<T>(path: string, legacy: string, inInput: T | null | undefined, asArgument: T | null | undefined): T {
  const hasInput = inInput !== null && inInput !== undefined;
  const hasArgument = asArgument !== null && asArgument !== undefined;
  if (hasInput && hasArgument) {
    throw new ValidationError([{ path, message: `give ${path} or the deprecated argument ${legacy}, not both` }]);
  }
  if (hasInput) return inInput;
  if (hasArgument) return asArgument;
  throw new ValidationError([{ path, message: `${path} is required` }]);
}

/** A `@oneOf` reference to an object by global or database id, or by a second unique key. */
export interface OneOfRef {
  id?: string | number | null;
  [key: string]: unknown;
}

/**
 * The lookup a `@oneOf` reference names: `{ id }` (decoded from a global id of `typeName`) or
 * `{ [keyName]: value }`. GraphQL itself refuses a reference with none or both set.
 */
export function lookupOf<K extends string>(
  typeName: string,
  keyName: K,
  ref: OneOfRef & Partial<Record<K, string | null>>,
): { id: string } | Record<K, string> {
  if (ref.id !== null && ref.id !== undefined) return { id: idOf(typeName, String(ref.id)) };
  const key = ref[keyName];
  if (typeof key !== 'string') throw new ValidationError([{ path: keyName, message: `give id or ${keyName}` }]);
  return { [keyName]: key } as unknown as Record<K, string>;
}

/**
 * An input object holding only the id of the object a mutation acts on (`DeleteAgentInput`…):
 * one per mutation, as the convention has it, so each can grow fields of its own later.
 */
export function idInput(name: string, what: string) {
  return builder.inputType(name, {
    description: `Which ${what}.`,
    fields: (t) => ({ id: t.id({ required: true, description: `The ${what} (global or database id).` }) }),
  });
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * The arguments of a mutation that acts on one object by id: `input: {id}`, and the older `id`
 * argument, deprecated.
 */
export function idArgs(t: ArgBuilder<Types>, input: ReturnType<typeof idInput>, what: string) {
  return {
    input: t({ type: input, required: false, description: `The ${what}.` }),
    id: t.id({ required: false, deprecationReason: 'Use input.id.', description: `The ${what}.` }),
  };
}

/** The id given as `input.id` or as the deprecated `id` argument. */
export const idFrom = (args: { input?: { id: string | number } | null; id?: string | number | null }): string =>
  String(fromEither('input.id', 'id', args.input?.id, args.id));

/**
 * `schema` (the domain's check of an update's fields) for an input object that also carries
 * the id of what it changes: the domain's schema strips keys it does not know, so the id is
 * checked beside it and kept.
 */
export function withId<S extends z.ZodType>(schema: S) {
  return z.intersection(z.object({ id: z.union([z.string(), z.number()]).nullish() }), schema);
}
