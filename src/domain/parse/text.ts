import lemmatizer from 'wink-lemmatizer';
import porter2 from 'wink-porter2-stemmer';
import { CONCEPT_GROUPS } from './concept-groups.ts';
import { PHRASAL_VERBS, VERBS } from './vocabulary.ts';
/**
 * Word-level helpers for the deterministic parser: tokenizing, matching keys from a lemmatizer
 * and the Porter2 stemmer (pull/pulls/pulling/pulled, sent/send, generate/generator,
 * notify/notifier meet), the verb lexicon that decides what counts as an action, and concept
 * groups that make synonyms meet (pull ~ query ~ fetch, email ~ send, sales ~ salesforce).
 */

/** Agent nouns whose verb the stemmer leaves apart ("extractor", "scorer", "writer"): folded only onto a known verb. */
function agentNounVerb(word: string): string | undefined {
  const match = /^(.{3,}?)(?:e?r|or)$/.exec(word);
  if (match === null) return undefined;
  const base = match[1] ?? '';
  // "notifier" → notify, "writer" → write, "extractor" → extract.
  for (const candidate of [base, `${base}e`, word.slice(0, -1), base.replace(/i$/, 'y')]) if (KNOWN_VERBS.has(candidate)) return candidate;
  return undefined;
}

const KNOWN_VERBS: ReadonlySet<string> = new Set(VERBS);
/** Memo of {@link stem}: a pure function of the word; cleared when it grows past a bound (words come from callers). */
const STEMS = new Map<string, string>();
const STEMS_BOUND = 20_000;

/**
 * The matching key of a word: its lemma (wink-lemmatizer: "sent" → send, "replies" → reply),
 * an agent noun folded onto its verb ("extractor" → extract), then the Porter2 stem
 * (wink-porter2-stemmer: "generate", "generator" → generat; "deployment", "deploys" → deploy).
 * Both sides of every comparison go through it, so stems only need to be consistent.
 */
export function stem(word: string): string {
  const w = word.toLowerCase();
  const cached = STEMS.get(w);
  if (cached !== undefined) return cached;
  let out = w;
  if (/^[a-z]+$/.test(w) && w.length > 2) {
    // "-s" is a plural more often than a third person ("nodes" is not "nod"); "-ed"/"-ing" are verbs.
    const first = w.endsWith('s') ? lemmatizer.noun(w) : lemmatizer.verb(w);
    const lemma = first !== w ? first : w.endsWith('s') ? lemmatizer.verb(w) : lemmatizer.noun(w);
    // Plurals of acronyms ("CSVs", "PRs", "PDFs") have no vowel for the stemmer to anchor on.
    const acronym = lemma === w && /^[b-df-hj-np-tv-z]{2,4}s$/.test(w) ? w.slice(0, -1) : lemma;
    out = porter2(agentNounVerb(acronym) ?? acronym);
  }
  if (STEMS.size >= STEMS_BOUND) STEMS.clear();
  STEMS.set(w, out);
  return out;
}

/** Stem → base form, so an inflected verb can be named by its base ("pulling" → "pull"). */
const VERB_BY_STEM: ReadonlyMap<string, string> = new Map(VERBS.map((verb) => [stem(verb), verb]));

/**
 * Verbs that keep their meaning after "re-" ("reassign" assigns, "rebuilt" was built): a list,
 * because most words starting with "re" are not a verb done again ("research", "recall", "reserve").
 */
const REPEATABLE: ReadonlySet<string> = new Set(
  (
    'assign send build run index sync upload schedule process start deploy load fetch import export calculate compute generate ' +
    'post invite activate submit queue publish train tag route scan test apply enable connect check create sort notify'
  ).split(' '),
);

/** "reassign" → "assign": the verb a "re-" prefix repeats, when it is one of {@link REPEATABLE}. */
function repeated(word: string): string | undefined {
  const w = word.toLowerCase();
  if (!/^re-?[a-z]{3,}$/.test(w)) return undefined;
  const base = VERB_BY_STEM.get(stem(w.replace(/^re-?/, '')));
  return base !== undefined && REPEATABLE.has(base) ? base : undefined;
}

/** The base form of `word` when it is a known verb in any inflection ("reassigned" → assign), else undefined. */
export function verbBase(word: string): string | undefined {
  return VERB_BY_STEM.get(stem(word)) ?? repeated(word);
}

/** Exactly a verb's base form (what an imperative starts with), used to split "x and <verb> y". */
export function isImperative(word: string): boolean {
  const w = word.toLowerCase();
  const base = VERB_BY_STEM.get(stem(w));
  if (base !== undefined) return base === w;
  const again = repeated(w);
  return again !== undefined && w.replace(/^re-?/, '') === again;
}

const CONCEPTS_BY_STEM: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const out = new Map<string, Set<string>>();
  for (const [concept, words] of Object.entries(CONCEPT_GROUPS)) {
    for (const word of words) {
      const key = stem(word);
      const set = out.get(key) ?? new Set<string>();
      set.add(concept);
      out.set(key, set);
    }
  }
  return out;
})();

/** The concept groups a word belongs to (by stem). */
export function conceptsOf(word: string): ReadonlySet<string> {
  return CONCEPTS_BY_STEM.get(stem(word)) ?? EMPTY;
}
const EMPTY: ReadonlySet<string> = new Set();

/** Similarity of two words that share a concept group but not a stem. */
export const SYNONYM = 0.7;

/**
 * How related two words are: 1 for the same stem, {@link SYNONYM} when they share a concept
 * group, else 0.
 */
export function similarity(a: string, b: string): number {
  if (stem(a) === stem(b)) return 1;
  const ca = conceptsOf(a);
  if (ca.size === 0) return 0;
  for (const concept of conceptsOf(b)) if (ca.has(concept)) return SYNONYM;
  return 0;
}

/**
 * Groups too broad to identify a tool by themselves: "check" ~ "query" (both fetch) says little,
 * "text" ~ "sms" says a lot.
 */
const GENERIC_CONCEPTS: ReadonlySet<string> = new Set([
  'transfer',
  'prune',
  'fetch',
  'send',
  'create',
  'store',
  'update',
  'delete',
  'transform',
  'analyze',
  'web',
]);

/** Same stem, or a shared concept group that is not one of the generic ones. */
export function specificMatch(a: string, b: string): boolean {
  if (stem(a) === stem(b)) return true;
  const ca = conceptsOf(a);
  for (const concept of conceptsOf(b)) if (ca.has(concept) && !GENERIC_CONCEPTS.has(concept)) return true;
  return false;
}

/** Words that carry no meaning for matching (articles, pronouns, prepositions, fillers). */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an the to of for from in on at by with into onto via about as and or but nor so it its it's them they their this that these " +
    'those there here me my mine us we our ours you your i he she his her him is are was were be been being do does did please ' +
    'then also just all any each every some latest last new recent current up out back over per any one ones too well automatically ' +
    'should would could can will shall must may might want need needs like using use through when if'
  ).split(' '),
);

/**
 * Generic nouns that say little about which tool is meant ("data", "results"); they count for
 * less when scoring a match.
 */
export const WEAK_WORDS: ReadonlySet<string> = new Set(
  [
    'data',
    'info',
    'information',
    'result',
    'results',
    'stuff',
    'thing',
    'things',
    'item',
    'items',
    'details',
    'list',
    'team',
    'output',
  ].map(stem),
);

/** Words in tool and agent names that describe what they are, not what they do. */
export const NAME_NOISE: ReadonlySet<string> = new Set([
  'agent',
  'bot',
  'service',
  'tool',
  'api',
  'app',
  'integration',
  'worker',
  'v1',
  'v2',
]);

/** Prepositions that end a verb's direct object ("generate a report | for the board"). */
export const PREPOSITIONS: ReadonlySet<string> = new Set(
  'to for from in on at by with into onto via about using through over under as of before after within across'.split(' '),
);

/** Phrasal verbs written as one word, so "back up the database" has a verb ("backup"); the list is PHRASAL_VERBS (vocabulary.ts). */
const PHRASAL: readonly [RegExp, string][] = PHRASAL_VERBS.map((phrase) => {
  const [verb = '', particle = ''] = phrase.split(' ');
  return [new RegExp(`\\b${verb}(?:s|ed|ing|${verb.slice(-1)}ed|${verb.slice(-1)}ing)?\\s+${particle}\\b`, 'gi'), `${verb}${particle}`];
});

/** Idioms whose verb says something else: "drop a note in #ops", "drop the number into the #marketing channel" post it. */
const IDIOMS: readonly [RegExp, string][] = [
  [
    /\b(?:drop|shoot|fire\s+off|throw)\b(?=\s+(?:(?:a|an|the|me|us|them)\s+)?(?:quick\s+)?(?:note|line|message|msg|email|e-mail|ping)\b)/gi,
    'post',
  ],
  [/\b(?:drop|throw|put)\b(?=[^.;,]*\b(?:in|into|to)\s+(?:the\s+)?#)/gi, 'post'],
  // "drop the table into the Notion page": it is put there, not deleted.
  [/\b(?:drop|throw)\b(?=[^.;,]*\b(?:into|onto)\b)/gi, 'put'],
  // "roll the test fleet back": the phrasal verb with its object inside.
  [/\broll\s+(?=(?:the|it|them|this|that|our|all)\b(?:\s+[\w'-]+){0,3}\s+back\b)/gi, 'rollback '],
  // "A Slack message should go to the account owner": it is sent.
  [/\b(?<=(?:should|must|will|shall|needs?\s+to|has\s+to|have\s+to)\s+)go\b(?=\s+(?:out\s+)?to\b)/gi, 'send'],
];

function joinPhrasal(text: string): string {
  let out = text;
  for (const [pattern, joined] of PHRASAL) out = out.replace(pattern, joined);
  for (const [pattern, verb] of IDIOMS) out = out.replace(pattern, verb);
  return out;
}

/**
 * Splits text into lowercase words. Dotted identifiers (`salesforce.query`), `#channels`,
 * e-mail addresses and URLs stay whole; a possessive `'s` is dropped.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  // Phrasal verbs written as one word, so "back up the database" has a verb.
  const joined = joinPhrasal(text);
  for (const match of joined.matchAll(/https?:\/\/\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#[\w-]+|[A-Za-z0-9]+(?:[._'-][A-Za-z0-9]+)*/g)) {
    out.push(match[0].toLowerCase().replace(/'s$/, ''));
  }
  return out;
}

/**
 * Words of a tool or agent name: `salesforce.query` → salesforce, query; `DataExtractorAgent`
 * → data, extractor (noise like "agent" dropped); `slack.post_message` → slack, post, message.
 */
export function nameWords(name: string): string[] {
  const spaced = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  return spaced.split(/[^a-z0-9]+/).filter((w) => w !== '' && !NAME_NOISE.has(w));
}

/** Content words: not stopwords, not bare numbers. */
export function contentWords(list: readonly string[]): string[] {
  return list.filter((w) => !STOPWORDS.has(w) && !/^\d+$/.test(w));
}

/** Lowercase snake_case, safe as a step id, agent name or field name (never empty). */
export function slug(text: string, fallback = 'step'): string {
  const s = text
    .toLowerCase()
    .replace(/'s\b/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64)
    .replace(/_+$/, '');
  if (s === '') return fallback;
  return /^[0-9]/.test(s) ? `${fallback}_${s}` : s;
}

/** First letter upper-cased. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
