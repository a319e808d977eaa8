import { builder } from '../builder.ts';

/** Sort direction shared by every ordered list. */
export const OrderDirection = builder.enumType('OrderDirection', {
  description: 'Sort direction.',
  values: {
    ASC: { value: 'asc', description: 'Smallest, earliest or A first.' },
    DESC: { value: 'desc', description: 'Largest, latest or Z first.' },
  } as const,
});

/** Sortable columns of agents and workflows. */
export const OrderField = builder.enumType('OrderField', {
  description: 'Column a list is sorted by; ties are broken by id, so the order is total and stable.',
  values: {
    NAME: { value: 'name', description: 'By name.' },
    CREATED_AT: { value: 'createdAt', description: 'By creation time.' },
    UPDATED_AT: { value: 'updatedAt', description: 'By last update time.' },
  } as const,
});

/** Ordering input shared by agents and workflows. */
export const OrderInput = builder.inputType('OrderBy', {
  description: 'How to sort a list.',
  fields: (t) => ({
    field: t.field({ type: OrderField, defaultValue: 'createdAt', description: 'Column to sort by (default CREATED_AT).' }),
    direction: t.field({ type: OrderDirection, defaultValue: 'desc', description: 'Direction (default DESC).' }),
  }),
});
