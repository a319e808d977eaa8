// The list requests B1 measures, shared by the benchmark (which sends them to Flowdeck and to
// the bare baseline) and the baseline (which answers exactly these and nothing else).

/** B1's runs page: the first 50 runs, newest first, with cursors. */
export const RUNS_QUERY = '{ runs(first: 50) { pageInfo { hasNextPage endCursor } edges { cursor node { id status createdAt inputs } } } }';

/** B1's workflows page: the first 50 live workflows, newest first, with cursors. */
export const WORKFLOWS_QUERY =
  '{ workflows(first: 50) { pageInfo { hasNextPage endCursor } edges { cursor node { id name status createdAt } } } }';

/** The page size of both lists; one more row is read to learn whether another page follows. */
export const PAGE_SIZE = 50;
