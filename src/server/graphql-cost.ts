import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  getOperationAST,
  type GraphQLCompositeType,
  type GraphQLField,
  GraphQLError,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/pagination.ts';

/** Arguments that size a list or a connection page (every one of them is clamped to 0..100 by its resolver). */
const SIZE_ARGUMENTS: ReadonlySet<string> = new Set(['first', 'last', 'limit']);

/**
 * Items assumed for a list of objects nothing sizes (a run's steps, a step's attempts): such
 * lists are bounded by the data (a workflow's definition), not by the caller, so a guess that
 * is generous for real workflows keeps nested lists from slipping under the limit.
 */
export const UNSIZED_LIST_ITEMS = 10;

/** An operation's variables, as sent (before coercion). */
type Variables = Readonly<Record<string, unknown>> | null | undefined;

/**
 * Estimated work of the operation `operationName` (all operations when it names none that
 * exists: the most expensive one counts). Every field costs 1 plus the cost of its selections,
 * and a list field multiplies the cost of its selections by how many items it can return:
 *
 * - its `first` / `last` / `limit` argument (literal, variable, or the argument's default),
 *   else the default page size (20); at most the largest page (100), as the resolvers clamp;
 * - for a connection, the page size applies to its `edges`, not to `pageInfo` or `totalCount`;
 * - `nodes(ids:)` returns one item per id;
 * - any other list of objects counts {@link UNSIZED_LIST_ITEMS}.
 *
 * Scalar lists cost nothing more than their field; `__typename` costs nothing. Introspection
 * (`__schema`, `__type`) is not counted: it reads the in-memory schema, and graphql-js's own
 * MaxIntrospectionDepthRule (one of the standard validation rules) already refuses the nested
 * introspection queries that could blow up. Fragments count once per place they are spread.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null, variables?: Variables): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const chosen = getOperationAST(document, operationName ?? undefined);
  const operations = chosen
    ? [chosen]
    : document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  let highest = 0;
  for (const operation of operations) {
    const root = schema.getRootType(operation.operation);
    if (!root) continue;
    const estimator = new CostEstimator(schema, fragments, operation, variables ?? {});
    highest = Math.max(highest, estimator.selectionSet(operation.selectionSet, root, null));
  }
  return highest;
}

/** One operation's estimate (fragment cycles are guarded against, though validation refuses them first). */
class CostEstimator {
  readonly #spreading = new Set<string>();
  readonly #defaults = new Map<string, ValueNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    operation: OperationDefinitionNode,
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {
    for (const definition of operation.variableDefinitions ?? []) {
      if (definition.defaultValue) this.#defaults.set(definition.variable.name.value, definition.defaultValue);
    }
  }

  /** Cost of a selection set on `type`; `page` is the page size of the connection it belongs to, if any. */
  selectionSet(set: SelectionSetNode, type: GraphQLCompositeType, page: number | null): number {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += this.field(selection, type, page);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        // Every branch of an abstract type counts, as if all could apply: an upper bound.
        total += this.selectionSet(selection.selectionSet, this.typeOf(selection.typeCondition?.name.value) ?? type, page);
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        if (!fragment || this.#spreading.has(name)) continue;
        this.#spreading.add(name);
        total += this.selectionSet(fragment.selectionSet, this.typeOf(fragment.typeCondition.name.value) ?? type, page);
        this.#spreading.delete(name);
      }
    }
    return total;
  }

  field(node: FieldNode, parent: GraphQLCompositeType, page: number | null): number {
    const name = node.name.value;
    if (name.startsWith('__')) return 0;
    const field = this.definitionOf(parent, name);
    if (!field || !node.selectionSet) return 1;
    const itemType = getNamedType(field.type);
    if (!isCompositeType(itemType)) return 1;
    const size = this.sizeOf(node, field);
    let items = 1;
    let childPage: number | null = null;
    if (isListType(getNullableType(field.type))) {
      items = size ?? page ?? this.idCount(node) ?? UNSIZED_LIST_ITEMS;
    } else if (size !== null) {
      // A connection: the page size applies to its edges.
      childPage = size;
    }
    return 1 + items * this.selectionSet(node.selectionSet, itemType, childPage);
  }

  definitionOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  }

  typeOf(name: string | undefined): GraphQLCompositeType | undefined {
    const type = name ? this.schema.getType(name) : undefined;
    return type && isCompositeType(type) ? type : undefined;
  }

  /** Items a sized field can return (null when the field takes no size argument). */
  sizeOf(node: FieldNode, field: GraphQLField<unknown, unknown>): number | null {
    const sizeArgs = field.args.filter((arg) => SIZE_ARGUMENTS.has(arg.name));
    if (sizeArgs.length === 0) return null;
    const given: number[] = [];
    const defaults: number[] = [];
    for (const arg of sizeArgs) {
      const argument = node.arguments?.find((a) => a.name.value === arg.name);
      const value = argument ? this.valueOf(argument.value) : undefined;
      if (value !== undefined && value !== null) given.push(typeof value === 'number' && Number.isInteger(value) ? value : MAX_PAGE_SIZE);
      else if (typeof arg.defaultValue === 'number') defaults.push(arg.defaultValue);
    }
    const size = given.length > 0 ? Math.max(...given) : defaults.length > 0 ? Math.max(...defaults) : DEFAULT_PAGE_SIZE;
    return Math.min(MAX_PAGE_SIZE, Math.max(0, size));
  }

  /** Length of an `ids` list argument, for fields that fetch by ids. */
  idCount(node: FieldNode): number | null {
    const argument = node.arguments?.find((a) => a.name.value === 'ids');
    const value = argument ? this.valueOf(argument.value) : undefined;
    return Array.isArray(value) ? value.length : null;
  }

  /** A literal's or variable's value, as far as sizing needs it (undefined: not given). */
  valueOf(node: ValueNode): unknown {
    switch (node.kind) {
      case Kind.VARIABLE: {
        const name = node.name.value;
        if (this.variables[name] !== undefined) return this.variables[name];
        const fallback = this.#defaults.get(name);
        return fallback ? this.valueOf(fallback) : undefined;
      }
      case Kind.INT:
        return Number(node.value);
      case Kind.FLOAT:
        return Number(node.value);
      case Kind.NULL:
        return null;
      case Kind.LIST:
        return node.values.map((value) => this.valueOf(value));
      default:
        return Number.NaN;
    }
  }
}

/**
 * Refuses an operation whose {@link operationCost} exceeds `maxCost`, before it runs. It runs
 * after validation (a cost is only meaningful for a valid document) and throws rather than
 * adding to the validation result, because yoga caches validation results per document while
 * the cost depends on the variables of each request.
 */
export function costLimitPlugin(maxCost: number): Plugin {
  return {
    onValidate({ params: { schema, documentAST }, context }) {
      return ({ valid }) => {
        if (!valid) return;
        const params = (context as { params?: { operationName?: string | null; variables?: Variables } }).params;
        const cost = operationCost(schema, documentAST, params?.operationName, params?.variables);
        if (cost <= maxCost) return;
        throw new GraphQLError(
          `Query cost ${cost} exceeds the limit of ${maxCost} (GRAPHQL_MAX_COST): ask for smaller pages (first/last) or fewer nested lists`,
          { extensions: { code: 'MAX_COST_EXCEEDED', cost, limit: maxCost, http: { status: 400 } } },
        );
      };
    },
  };
}
