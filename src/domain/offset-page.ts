type Where = Record<string, unknown>;

/** A numbered page, as the REST dialects paginate (page/page_size or offset/limit). */
export interface OffsetPage<T> {
  items: T[];
  /** Rows matching the filter, across all pages. */
  total: number;
}

/** What {@link offsetPage} needs from a Prisma model delegate. */
export interface OffsetSource<T> {
  findMany(args: { where: Where; orderBy: Where[]; skip: number; take: number; include?: object; select?: object }): Promise<T[]>;
  count(args: { where: Where }): Promise<number>;
}

/**
 * One page by offset, ordered by `orderBy` then id (so pages never overlap or skip rows that
 * tie), with the total count. Used where a documented API numbers its pages.
 */
export async function offsetPage<T>(
  source: OffsetSource<T>,
  where: Where,
  orderBy: Where[],
  offset: number,
  limit: number,
  include?: object,
  select?: object,
): Promise<OffsetPage<T>> {
  const [items, total] = await Promise.all([
    source.findMany({
      where,
      orderBy: [...orderBy, { id: 'asc' }],
      skip: offset,
      take: limit,
      ...(include ? { include } : {}),
      ...(select ? { select } : {}),
    }),
    source.count({ where }),
  ]);
  return { items, total };
}
