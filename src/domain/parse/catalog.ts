/**
 * What a clause can be matched to: the caller's available tools and the workspace's
 * registered agents, and the scoring that picks one.
 *
 * Score of a clause against a tool or agent (words compared by `similarity`: 1 for the same
 * stem, 0.7 for synonyms such as pull ~ query or sales ~ salesforce):
 *
 *   3   if the clause names it outright ("use salesforce.query", "with the data extractor")
 * + 2 × how well the verb matches a word of its name   (pull ~ query: 0.7 → 1.4)
 *   or, only when it matches none, 1 × how well the verb matches a word of its description
 * + the object words matching words of its name, at most 2 (generic words such as "data"
 *   count 0.3; participles such as "reminding" do not count)
 * + ½ × the object words matching its description, at most 2 before halving
 * + ½ for a tool: the caller offered it for this very instruction
 * − 1 when the verb matches nothing in a name that has a verb of its own ("pull the tickets"
 *   against `jira.create_issue`): the clause asks for something else than what it does.
 *
 * A match needs a score of at least {@link ACCEPT} and an anchor: the name written out, a word
 * of its name written out ("… to HubSpot", "email …"), the verb matching a name word through
 * a specific synonym ("text" ~ sms) or a description word exactly, a broad synonym of the verb
 * ("pull" ~ query) together with an object word matching too ("sales" ~ salesforce), or
 * object words matching its name strongly. Candidates within {@link AMBIGUITY_MARGIN} of the best make the match
 * ambiguous (the best still wins; ties go to live agents, then tools in the caller's order,
 * then agents by name).
 */
import type { AgentStatus } from '../definition/validate.ts';
import type { ActionClause } from './clauses.ts';
import { contentWords, nameWords, similarity, specificMatch, stem, verbBase, WEAK_WORDS, words } from './text.ts';
import type { ParseContext } from './types.ts';

export const ACCEPT = 1.4;
/** A match at least this good counts as confident. */
export const STRONG = 2;
export const AMBIGUITY_MARGIN = 0.25;
/** Added to a tool's score: the caller offered it for this instruction. */
export const TOOL_BONUS = 0.5;
/** Taken off when the clause's verb contradicts the verb in the name. */
export const VERB_CONFLICT = 1;

export interface CatalogEntry {
  name: string;
  kind: 'tool' | 'agent';
  status: AgentStatus;
  nameWords: string[];
  descWords: string[];
}

export interface Scored {
  entry: CatalogEntry;
  score: number;
}

export interface MatchOutcome {
  best: Scored | null;
  /** Candidates within the ambiguity margin of the best, best excluded. */
  rivals: Scored[];
}

/** Tools first (in the caller's order), then agents by name; duplicates of a tool name are dropped. */
export function buildCatalog(context: ParseContext): CatalogEntry[] {
  const tools = [...new Set(context.availableTools ?? [])];
  const toolSet = new Set(tools);
  const entries: CatalogEntry[] = tools.map((name) => ({
    name,
    kind: 'tool',
    status: 'ACTIVE',
    nameWords: nameWords(name),
    descWords: [],
  }));
  for (const agent of [...(context.agents ?? [])].sort((a, b) => a.name.localeCompare(b.name))) {
    if (toolSet.has(agent.name) || agent.status === 'DELETED') continue;
    entries.push({
      name: agent.name,
      kind: 'agent',
      status: agent.status,
      nameWords: nameWords(agent.name),
      descWords: [...new Set(contentWords(words(agent.description ?? '')))].slice(0, 40),
    });
  }
  return entries;
}

function bestSimilarity(word: string, targets: readonly string[]): number {
  let best = 0;
  for (const target of targets) best = Math.max(best, similarity(word, target));
  return best;
}

/** Whether `needle` occurs in `haystack` as whole words. */
function containsPhrase(haystack: string, needle: string): boolean {
  if (needle.length < 3) return false;
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^a-z0-9_.])${escaped}(?:$|[^a-z0-9_])`, 'i').test(haystack);
}

/** Whether the text names the entry outright: its full name, or its name words in a row. */
export function namesEntry(text: string, entry: CatalogEntry): boolean {
  const lower = text.toLowerCase();
  return (
    containsPhrase(lower, entry.name.toLowerCase()) || (entry.nameWords.length > 1 && containsPhrase(lower, entry.nameWords.join(' ')))
  );
}

/** The score of one clause against one entry (see the module comment). */
export function scoreClause(clause: ActionClause, entry: CatalogEntry): number {
  const literal = namesEntry(clause.text, entry) ? 3 : 0;
  const verb = clause.verb;
  const verbName = verb === null ? 0 : bestSimilarity(verb, entry.nameWords);
  const verbDesc = verb === null || verbName > 0 ? 0 : bestSimilarity(verb, entry.descWords);
  const objects = contentWords(clause.words.filter((_, i) => i !== clause.verbIndex)).filter(
    (w) => !w.includes('@') && !w.startsWith('#') && !(/(?:ing|ed)$/.test(w) && verbBase(w) !== undefined),
  );
  let objName = 0;
  let objDesc = 0;
  let namedWord = false;
  for (const word of new Set(objects)) {
    const weight = WEAK_WORDS.has(stem(word)) ? 0.3 : 1;
    const onName = bestSimilarity(word, entry.nameWords);
    if (onName === 1 && weight === 1) namedWord = true;
    objName += weight * onName;
    objDesc += weight * bestSimilarity(word, entry.descWords);
  }
  objName = Math.min(2, objName);
  objDesc = Math.min(2, objDesc);
  // A broad synonym of the verb ("check" ~ "query") is not enough on its own: it needs an object word to agree.
  const verbAnchor =
    verb !== null && (entry.nameWords.some((w) => specificMatch(verb, w)) || entry.descWords.some((w) => stem(w) === stem(verb)));
  const anchored =
    literal > 0 || namedWord || verbAnchor || (verbName > 0 && objName > 0) || (verbDesc > 0 && objDesc > 0) || objName >= 1.4;
  if (!anchored) return 0;
  const offered = entry.kind === 'tool' ? TOOL_BONUS : 0;
  const conflict = verb !== null && verbName === 0 && entry.nameWords.some((w) => verbBase(w) !== undefined) ? VERB_CONFLICT : 0;
  return Math.max(0, Math.round((literal + 2 * verbName + verbDesc + objName + 0.5 * objDesc + offered - conflict) * 100) / 100);
}

/** The best entry for a clause, and its close rivals. */
export function matchClause(clause: ActionClause, catalog: readonly CatalogEntry[]): MatchOutcome {
  const scored = catalog
    .map((entry, order) => ({ entry, score: scoreClause(clause, entry), order }))
    .filter((s) => s.score >= ACCEPT)
    // Stable on ties: catalog order already puts tools first, then agents by name; live agents win over switched-off ones.
    .sort((a, b) => b.score - a.score || statusRank(a.entry) - statusRank(b.entry) || a.order - b.order);
  const [best, ...others] = scored;
  if (best === undefined) return { best: null, rivals: [] };
  return {
    best: { entry: best.entry, score: best.score },
    rivals: others.filter((o) => o.score >= best.score - AMBIGUITY_MARGIN).map((o) => ({ entry: o.entry, score: o.score })),
  };
}

function statusRank(entry: CatalogEntry): number {
  return entry.status === 'ACTIVE' ? 0 : 1;
}
