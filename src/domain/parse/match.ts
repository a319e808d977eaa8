/**
 * Scores a clause against the catalog (catalog.ts) and picks a tool or agent. Words are
 * compared by `similarity` (text.ts): 1 for the same lemma/stem, 0.7 for synonyms (pull ~ query,
 * page ~ pagerduty); between a clause's object and an operation's nouns a synonym counts 0.5.
 *
 * Score of a clause against an entry:
 *
 *   3   if the clause names it outright ("use salesforce.query", "with the DeckBuilder agent")
 * + 2 × how well the clause names its system ("… in HubSpot", "#ops" ~ slack, an e-mail address
 *   ~ email; a broad synonym never counts here)
 * + 2 × how well the verb matches its operation: its verb, its noun ("call" ~ make_call) or its
 *   system ("page" ~ pagerduty); 0.7 for a read verb against an operation without a verb
 *   (`revenue_report`); 0.35 for a different verb going the same way (both write)
 * + the object words matching its operation's nouns, at most 2 (generic words such as "data"
 *   count 0.3; words that named the system do not count again)
 * + 1.5 × how well the verb matches a word of its description or skills (when not its name)
 * + ½ × the object words matching its description and skills, at most 2 before halving
 * + ½ for a tool: the caller offered it for this very instruction
 * + ¾ for the system of the step before, when the clause names no system and no object of its
 *   own ("look the order up in Shopify and refund it")
 * − ¾ when the verb matches nothing in an operation that has a verb of its own ("pull the
 *   tickets" against `jira.create_issue`): the clause asks for something else than it does.
 *
 * A match needs a score of at least {@link ACCEPT} and an anchor: the name written out, its
 * system named, the verb matching its operation through a specific synonym or its description
 * exactly, a broad synonym of the verb together with an object word (or with no object at all:
 * "store them"), or object words matching strongly. Candidates within {@link AMBIGUITY_MARGIN} of
 * the best make the match ambiguous (reported in the notes, lowering the confidence); the best
 * still wins, ties going to live agents, then tools in the caller's order, then agents by name.
 */
import { bestSimilarity, type CatalogEntry, impliedWords, namesEntry, systemScore } from './catalog.ts';
import type { ActionClause } from './action-clause.ts';
import {
  conceptsOf,
  contentWords,
  PREPOSITIONS,
  STOPWORDS,
  SYNONYM,
  similarity,
  specificMatch,
  stem,
  verbBase,
  WEAK_WORDS,
  words,
} from './text.ts';

export const ACCEPT = 1.4;
/** A match at least this good counts as confident. */
export const STRONG = 2;
export const AMBIGUITY_MARGIN = 0.25;
/** Added to a tool's score: the caller offered it for this instruction. */
export const TOOL_BONUS = 0.5;
/** Taken off when the clause's verb contradicts the verb of the operation. */
export const VERB_CONFLICT = 0.75;
/** Added for the system of the previous step when the clause names none. */
export const CONTINUITY = 0.75;
/** Verbs that name no operation by themselves: `ci.run_pipeline`, `twilio.make_call`. */
const LIGHT_VERBS: ReadonlySet<string> = new Set(['run', 'make', 'do', 'perform', 'execute', 'have']);
/** Concept groups whose verbs say which channel carries a message (concept-groups.ts). */
const CHANNELS: ReadonlySet<string> = new Set(['oncall', 'sms', 'chat', 'email', 'social']);
/** Credit for a verb that differs from the operation's but goes the same way (both read, or both write). */
const PARTIAL = 0.35;
/** An object word that is a synonym of an operation noun. */
const OBJECT_SYNONYM = 0.5;

export interface Scored {
  entry: CatalogEntry;
  score: number;
}

export interface MatchOutcome {
  best: Scored | null;
  /** Candidates within the ambiguity margin of the best, best excluded. */
  rivals: Scored[];
}

/** What is known around the clause. */
export interface MatchContext {
  /** The system of the step before (or the one the trigger names), for continuity. */
  previousSystem?: string | null;
}

/** The words of a clause that can say which tool is meant. */
export interface ClauseWords {
  text: string;
  verb: string | null;
  objects: string[];
  /** The verb's direct object: its words up to the first preposition. */
  direct: string[];
  /** Words that may name a system: verb, objects and implied words (#channel → chat). */
  naming: string[];
}

/** Scored words of a clause; `skip` leaves out words of phrases matched as steps of their own. */
export function clauseWords(clause: ActionClause, skip: ReadonlySet<number> = new Set()): ClauseWords {
  const objects = contentWords(clause.words.filter((_, i) => i !== clause.verbIndex && !skip.has(i))).filter(
    (w) => !w.includes('@') && !w.startsWith('#') && !/^https?:/.test(w) && !(/(?:ing|ed)$/.test(w) && verbBase(w) !== undefined),
  );
  const kept = clause.words.filter((_, i) => !skip.has(i)).join(' ');
  const implied = impliedWords(skip.size === 0 ? clause.text : kept);
  const after = clause.words.slice(clause.verbIndex + 1);
  const end = after.findIndex((w) => PREPOSITIONS.has(w) && w !== 'of');
  const direct = (end < 0 ? after : after.slice(0, end)).filter((w) => !STOPWORDS.has(w));
  return {
    text: skip.size === 0 ? clause.text : kept,
    verb: clause.verb,
    objects,
    direct,
    // The verb names a system through verbOp ("page" ~ pagerduty, "slack me"), not here as well.
    naming: [...objects, ...implied],
  };
}

const READ_CONCEPTS = ['fetch'];
const WRITE_CONCEPTS = ['create', 'store', 'update', 'send', 'transfer'];

function direction(word: string): 'read' | 'write' | 'remove' | 'transfer' | null {
  const concepts = conceptsOf(word);
  // "export", "load", "back up": a transfer reads on one side and writes on the other.
  if (concepts.has('transfer')) return 'transfer';
  if (READ_CONCEPTS.some((c) => concepts.has(c))) return 'read';
  if (concepts.has('delete')) return 'remove';
  if (WRITE_CONCEPTS.some((c) => concepts.has(c))) return 'write';
  return null;
}

/** Whether two verbs go the same way: both read, both write or both remove; a transfer goes with reads and writes. */
export function sameDirection(a: string, b: string): boolean {
  const [da, db] = [direction(a), direction(b)];
  if (da === null || db === null) return false;
  if (da === db) return true;
  return (da === 'transfer' && db !== 'remove') || (db === 'transfer' && da !== 'remove');
}

/** Whether a verb reads ("pull", "check", "export"). */
export function readsData(verb: string): boolean {
  const d = direction(verb);
  return d === 'read' || (d === 'transfer' && conceptsOf(verb).has('fetch'));
}

/** Whether two verbs go opposite ways ("pull" against `create_issue`): never the same operation. */
function opposed(a: string, b: string): boolean {
  const [da, db] = [direction(a), direction(b)];
  return da !== null && db !== null && da !== 'transfer' && db !== 'transfer' && da !== db;
}

/** The score of clause words against one entry (see the module comment). */
export function scoreWords(cw: ClauseWords, entry: CatalogEntry, context: MatchContext = {}): number {
  const literal = namesEntry(cw.text, entry) ? 3 : 0;
  const { verb } = cw;
  // The verb counts here only when it is the system's very name ("email the team", "slack me"); a synonym ("bill" ~ stripe) counts in verbOp.
  // A verb that is a channel ("page" ~ pagerduty, "text" ~ sms, "tweet") names its system by half.
  const verbSystem = verb === null ? 0 : systemScore([verb], entry);
  const channel = verb !== null && [...conceptsOf(verb)].some((c) => CHANNELS.has(c));
  const system = Math.max(systemScore(cw.naming, entry), verbSystem >= 1 ? 1 : channel && verbSystem >= SYNONYM ? verbSystem / 2 : 0);
  // "run_report", "make_call": the operation is its noun; a light verb says nothing of it.
  const opVerb = entry.opVerb !== null && LIGHT_VERBS.has(entry.opVerb) ? null : entry.opVerb;
  let verbOp = 0;
  let objectNamesAction = false;
  if (verb !== null) {
    // "remove duplicates" (dedupe), "run sentiment analysis" (analyze): the object names the action.
    objectNamesAction = opVerb !== null && cw.objects.some((w) => !WEAK_WORDS.has(stem(w)) && specificMatch(w, opVerb));
    // "load them into the table": a transfer verb with a destination writes (it stores), so its read synonyms do not count.
    const writes = /\b(?:into|onto)\b/i.test(cw.text) && direction(verb) === 'transfer';
    const like = (target: string): number =>
      writes ? Math.max(stem(verb) === stem(target) ? 1 : 0, similarity('store', target)) : similarity(verb, target);
    verbOp = Math.max(
      entry.opVerb !== null ? like(entry.opVerb) : 0,
      Math.max(0, ...entry.opNouns.map(like)),
      systemScore([verb], entry),
      objectNamesAction ? SYNONYM : 0,
    );
    if (verbOp === 0 && opVerb === null && entry.kind === 'tool' && readsData(verb) && !writes) verbOp = SYNONYM;
    else if (verbOp === 0 && opVerb !== null && sameDirection(verb, opVerb)) verbOp = PARTIAL;
  }
  const verbDesc = verb === null || verbOp > 0 ? 0 : bestSimilarity(verb, entry.descWords);
  let objOp = 0;
  let objDesc = 0;
  let namedWord = false;
  for (const word of new Set(cw.objects)) {
    if (entry.systemWords.length > 0 && systemScore([word], entry) > 0) continue;
    const weight = WEAK_WORDS.has(stem(word)) ? 0.3 : 1;
    const onOp = bestSimilarity(word, entry.opNouns);
    if (onOp === 1 && weight === 1) namedWord = true;
    objOp += weight * (onOp === 1 ? 1 : onOp > 0 ? OBJECT_SYNONYM : 0);
    objDesc += weight * bestSimilarity(word, entry.descWords);
  }
  objOp = Math.min(2, objOp);
  objDesc = Math.min(2, objDesc);
  const bareObject = cw.direct.every((w) => WEAK_WORDS.has(stem(w)) || STOPWORDS.has(w));
  const continuity = system === 0 && literal === 0 && bareObject && context.previousSystem === entry.system ? CONTINUITY : 0;
  // A broad synonym of the verb ("check" ~ "query") is not enough on its own: it needs an object word or the system to agree.
  const verbAnchor =
    verb !== null &&
    ((entry.opVerb !== null && specificMatch(verb, entry.opVerb)) ||
      entry.opNouns.some((w) => specificMatch(verb, w)) ||
      entry.descWords.some((w) => stem(w) === stem(verb)));
  const anchored =
    literal > 0 ||
    system >= SYNONYM ||
    namedWord ||
    verbAnchor ||
    objectNamesAction ||
    (verb !== null && systemScore([verb], entry) >= SYNONYM) ||
    (verbOp >= SYNONYM && (objOp > 0 || objDesc >= 1 || bareObject || continuity > 0)) ||
    (verbDesc > 0 && objDesc > 0) ||
    objOp >= 1.4;
  if (!anchored) return 0;
  // Naming the system is not enough when the clause asks the opposite of what the operation does.
  if (literal === 0 && verb !== null && opVerb !== null && verbOp === 0 && opposed(verb, opVerb)) return 0;
  const offered = entry.kind === 'tool' ? 0.5 : 0;
  const conflict = verb !== null && opVerb !== null && verbOp === 0 && verbDesc === 0 ? VERB_CONFLICT : 0;
  // An agent's description and skills say what it does as much as its name: the verb found there counts like one in its name.
  const total = literal + 2 * system + 2 * verbOp + 1.5 * verbDesc + objOp + 0.5 * objDesc + offered + continuity - conflict;
  return Math.max(0, Math.round(total * 100) / 100);
}

/** The score of one clause against one entry (see the module comment). */
export function scoreClause(clause: ActionClause, entry: CatalogEntry, context: MatchContext = {}): number {
  return scoreWords(clauseWords(clause), entry, context);
}

/**
 * Words of the clause's "with/via/using/through/in/on <system>" phrases: where the clause says
 * the action happens ("deploy it to staging with Argo CD", "give #wins a shout in Slack").
 */
function instrumentWords(clause: ActionClause): string[] {
  const out: string[] = [];
  const list = clause.words;
  for (let i = 0; i < list.length; i++) {
    if (!/^(?:with|via|using|through|in|on)$/.test(list[i] ?? '')) continue;
    let j = i + 1;
    while (j < list.length && j <= i + 4 && !PREPOSITIONS.has(list[j] ?? '')) j++;
    const phrase = list.slice(i + 1, j);
    out.push(...phrase, ...impliedWords(phrase.join(' ')));
  }
  return out;
}

/** Ranks entries; `keep` narrows the candidates, `instrument` holds the words of {@link instrumentWords}. */
export function rank(
  cw: ClauseWords,
  catalog: readonly CatalogEntry[],
  context: MatchContext = {},
  keep: (entry: CatalogEntry) => boolean = () => true,
  instrument: readonly string[] = [],
): MatchOutcome {
  // "page them": a verb that names a system ("page" ~ pagerduty, "text" ~ sms) says where, so the step before does not.
  const verbNames = cw.verb !== null && catalog.some((entry) => systemScore([cw.verb ?? ''], entry) >= SYNONYM);
  const around = verbNames ? { ...context, previousSystem: null } : context;
  const all = catalog
    .map((entry, order) => ({ entry, score: keep(entry) ? scoreWords(cw, entry, around) : 0, order }))
    .filter((s) => s.score >= ACCEPT);
  // A system the clause says it acts with or in outranks one it does not name at all ("deploy it
  // with Argo CD" is not a GitHub release, however well "deploy" fits "release").
  const acted = all.some((s) => systemScore(instrument, s.entry) >= 1);
  const named = (entry: CatalogEntry): boolean =>
    namesEntry(cw.text, entry) || systemScore(cw.naming, entry) > 0 || (cw.verb !== null && systemScore([cw.verb], entry) > 0);
  const scored = all
    .filter((s) => !acted || named(s.entry))
    // Stable on ties: catalog order already puts tools first, then agents by name; live agents win over switched-off ones.
    .sort((a, b) => b.score - a.score || statusRank(a.entry) - statusRank(b.entry) || a.order - b.order);
  const [best, ...others] = scored;
  if (best === undefined) return { best: null, rivals: [] };
  return {
    best: { entry: best.entry, score: best.score },
    rivals: others.filter((o) => o.score >= best.score - AMBIGUITY_MARGIN).map((o) => ({ entry: o.entry, score: o.score })),
  };
}

/** The best entry for a clause, and its close rivals. */
export function matchClause(
  clause: ActionClause,
  catalog: readonly CatalogEntry[],
  context: MatchContext = {},
  skip: ReadonlySet<number> = new Set(),
): MatchOutcome {
  return rank(clauseWords(clause, skip), catalog, context, () => true, skip.size === 0 ? instrumentWords(clause) : []);
}

/**
 * The best entry for a phrase read as an action of its own: a source ("from HubSpot", read
 * with `verb` "get"), a destination ("into the warehouse", written with `verb` "write") or what
 * a delivery carries ("the weekly budget report"). Only entries the phrase names count: by name,
 * by system (`literal`: written out, not a synonym) or, with `byOperation`, by the nouns of its
 * operation; a phrase that names nothing offered is a recipient or a place, not a step.
 */
export function matchPhrase(
  phrase: readonly string[],
  verb: string,
  extraObjects: readonly string[],
  catalog: readonly CatalogEntry[],
  options: { literal?: boolean; byOperation?: boolean } = {},
): MatchOutcome {
  const text = phrase.join(' ');
  const list = contentWords(phrase);
  const naming = [...list, ...impliedWords(text)];
  const cw: ClauseWords = { text, verb, objects: [...list, ...extraObjects], direct: list, naming };
  const named = (entry: CatalogEntry): boolean => {
    if (namesEntry(text, entry)) return true;
    const system = systemScore(naming, entry);
    if (options.literal === true ? system >= 1 : system >= SYNONYM) return true;
    if (entry.systemWords.length === 0 && entry.kind === 'tool' && naming.some((w) => bestSimilarity(w, entry.nameWords) >= 1)) return true;
    if (options.byOperation !== true || entry.opNouns.length === 0) return false;
    // Generic nouns ("data", "results") name no operation.
    const nouns = entry.opNouns.filter((noun) => !WEAK_WORDS.has(stem(noun)));
    const exact = nouns.filter((noun) => list.some((w) => similarity(w, noun) >= 1)).length;
    return nouns.length > 0 && (exact === nouns.length || exact >= 2);
  };
  return rank(cw, catalog, {}, named);
}

/** Words of a text, for callers holding a phrase as text. */
export function phraseWords(text: string): string[] {
  return words(text);
}

function statusRank(entry: CatalogEntry): number {
  return entry.status === 'ACTIVE' ? 0 : 1;
}

/** Whether an entry only reads (`hubspot.list_contacts`), so it cannot be what a reshaping verb asks. */
export function readsOnly(entry: CatalogEntry, verb: string): boolean {
  const op = entry.opVerb;
  return op !== null && readsData(op) && similarity(op, verb) === 0;
}
