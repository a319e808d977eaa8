/**
 * The steps one action clause stands for. Most clauses are one step, but a clause often names a
 * second system in a phrase, and a phrase that matches an offered tool is a step of its own:
 *
 * - **source** ("… from HubSpot", "merge the contacts from HubSpot and Salesforce", "sync new
 *   Stripe payments …", "… found by the Snyk scan"): the data is read there first;
 * - **destination** ("… into the warehouse", "… to a CSV", "… to cold storage"): it is written
 *   there after;
 * - **producer** ("send the weekly budget report to the CFO" with `finance.budget_report`, "post
 *   the failing job's log to #ci" with `github.get_job_log`): what is delivered is made first;
 * - **nominal action** ("create a summary of the tickets", "send a summary of …"): the noun is the
 *   action (summarize), and what it is of is read first.
 *
 * A transfer ("sync", "copy", "back up", "export", "move" …) is a read at the source and a write
 * at the destination; when both are found, they are the clause. A phrase only becomes a step
 * when it names a system (or tool) other than the clause's own step: "post their name to #ops in
 * Slack" stays one `slack.post` step, and "send it to the CFO" names a recipient, not a tool. With
 * a pronoun object, "from X" says how, not what: "send it from Zendesk" is one Zendesk step.
 */
import { type CatalogEntry, namesEntry } from './catalog.ts';
import type { ActionClause } from './action-clause.ts';
import { type MatchContext, matchClause, type MatchOutcome, matchPhrase, readsData, sameDirection } from './match.ts';
import { conceptsOf, contentWords, PREPOSITIONS, stem, STOPWORDS, WEAK_WORDS } from './text.ts';
import { PRODUCTS } from './products.ts';

/** One step of an expanded clause, already matched. */
export interface SubStep {
  /** What the step does, in words (its name). */
  text: string;
  match: MatchOutcome;
  role: 'source' | 'producer' | 'nominal' | 'destination';
}

export interface Expansion {
  before: SubStep[];
  /** The clause's own match; null when the clause is only its source and destination (a transfer). */
  main: MatchOutcome | null;
  /** What the clause's own step is called when it differs from the clause ("deploy to Heroku": what was not offered). */
  mainText?: string;
  after: SubStep[];
}

const UNMATCHED: MatchOutcome = { best: null, rivals: [] };

/** Products the words name that no entry of the catalog belongs to ("heroku" with only `k8s.deploy`). */
function missingProducts(list: readonly string[], catalog: readonly CatalogEntry[]): string[] {
  return list.filter(
    (w) =>
      PRODUCT_SET.has(w) && !catalog.some((entry) => entry.systemWords.includes(w) || entry.nameWords.includes(w) || namesEntry(w, entry)),
  );
}
const PRODUCT_SET: ReadonlySet<string> = new Set(PRODUCTS);
/** Whether `word` is written with a capital somewhere in `text`. */
function capitalized(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...text.matchAll(new RegExp(`\\b${escaped}\\b`, 'gi'))].some((m) => /^[A-Z]/.test(m[0]));
}

/** Prepositions after which a word names where or through what something is done. */
const SYSTEM_PREPS: ReadonlySet<string> = new Set(['to', 'into', 'onto', 'in', 'on', 'via', 'from', 'with', 'using', 'through']);

const TRANSFER = new Set(['sync', 'copy', 'transfer', 'move', 'export', 'import', 'push', 'put', 'backup', 'migrate', 'replicate', 'load']);
const DELIVER = new Set(['send', 'email', 'mail', 'post', 'share', 'forward', 'publish', 'text', 'dm', 'deliver', 'slack', 'tweet']);
const DESTINATION_PREPS = new Set(['to', 'into', 'onto']);
const PRONOUNS = new Set(['it', 'them', 'this', 'that', 'these', 'those', 'everything', 'all', 'the', 'result', 'results']);
/** Object heads that are an action in noun form, with the verb they stand for. */
const NOMINAL: Readonly<Record<string, string>> = {
  summary: 'summarize',
  digest: 'summarize',
  translation: 'translate',
  analysis: 'analyze',
};
/** "… found by the Snyk scan": the participle says the object comes from there. */
const FOUND_BY = new Set(['found', 'detected', 'reported', 'flagged', 'returned', 'listed', 'identified', 'raised', 'produced']);

interface Phrase {
  prep: string;
  /** Index in the clause's words of the phrase's first word. */
  start: number;
  words: string[];
}

/** The verb's object (up to the first preposition other than "of") and the prepositional phrases after it. */
function phrasesOf(clause: ActionClause): { object: string[]; phrases: Phrase[] } {
  const object: string[] = [];
  const phrases: Phrase[] = [];
  let current: Phrase | null = null;
  for (let i = clause.verbIndex + 1; i < clause.words.length; i++) {
    const word = clause.words[i] ?? '';
    if (PREPOSITIONS.has(word) && word !== 'of') {
      current = { prep: word, start: i + 1, words: [] };
      phrases.push(current);
    } else if (current === null) object.push(word);
    else current.words.push(word);
  }
  return { object, phrases };
}

/** Whether the words mention anything at all (not only pronouns, articles and generic nouns). */
function meaningful(list: readonly string[]): boolean {
  return contentWords(list).some((w) => !WEAK_WORDS.has(stem(w)) && !STOPWORDS.has(w) && !PRONOUNS.has(w));
}

/** Splits "HubSpot and Salesforce" into its parts; "Google Ads and Facebook Ads" too. */
function parts(list: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const word of list) {
    if (word === 'and' || word === '&' || word === 'or') out.push([]);
    else out[out.length - 1]?.push(word);
  }
  return out.filter((p) => p.length > 0);
}

/** The better of two readings of a phrase (the first on a tie). */
function bestOf(a: MatchOutcome, b: MatchOutcome): MatchOutcome {
  if (a.best === null) return b;
  if (b.best === null) return a;
  return b.best.score > a.best.score ? b : a;
}

/** The entries whose operation is exactly `verb` ("summarize" → `openai.summarize`), best first. */
function doing(verb: string, catalog: readonly CatalogEntry[]): MatchOutcome {
  const found = catalog.filter((entry) => entry.opVerb !== null && stem(entry.opVerb) === stem(verb));
  const [best, ...others] = found;
  return best === undefined
    ? { best: null, rivals: [] }
    : { best: { entry: best, score: 3 }, rivals: others.map((entry) => ({ entry, score: 3 })) };
}

/** Expands a clause (see the module comment); `context` carries the previous step's system. */
export function expandClause(clause: ActionClause, catalog: readonly CatalogEntry[], context: MatchContext = {}): Expansion {
  const verb = clause.verb;
  if (verb === null || clause.verbIndex < 0) return { before: [], main: matchClause(clause, catalog, context), after: [] };
  const { object, phrases } = phrasesOf(clause);
  const expansion = expandPhrases(clause, verb, object, phrases, catalog, context);
  // "Deploy the app to Heroku", "transfer the invoices into NetSuite" with neither offered: that part cannot be done.
  // A product name written as one (capitalized) or where a system goes ("to heroku"); "the greenhouse sensor" is a greenhouse.
  const asProduct = clause.words.filter((w, i) => capitalized(clause.text, w) || SYSTEM_PREPS.has(clause.words[i - 1] ?? ''));
  const missing = missingProducts(asProduct, catalog);
  if (missing.length === 0) return expansion;
  const inDestination = phrases.some((p) => DESTINATION_PREPS.has(p.prep) && p.words.some((w) => missing.includes(w)));
  if (inDestination && expansion.main === null) {
    return { ...expansion, after: [{ text: `${verb} to ${missing.join(' ')}`, match: UNMATCHED, role: 'destination' }] };
  }
  const named = expansion.main?.best?.entry;
  if (named !== undefined && systemNamed(clause, named)) return expansion;
  return { ...expansion, main: UNMATCHED, mainText: `${verb} ${missing.join(' ')}` };
}

/** Whether the clause writes out the entry's system or name. */
function systemNamed(clause: ActionClause, entry: CatalogEntry): boolean {
  return namesEntry(clause.text, entry) || entry.systemWords.some((w) => clause.words.includes(w));
}

function expandPhrases(
  clause: ActionClause,
  verb: string,
  object: string[],
  phrases: Phrase[],
  catalog: readonly CatalogEntry[],
  context: MatchContext,
): Expansion {
  const objectNouns = contentWords(object).filter((w) => !w.startsWith('#') && !w.includes('@'));
  const transfer = TRANSFER.has(verb);
  const pronounObject = !meaningful(object);
  // A source is read and a destination written, whatever the clause's verb; only an operation
  // that is that very verb ("back up the database" → db.backup) is read the clause's way.
  const exact = (outcome: MatchOutcome): boolean => outcome.best?.entry.opVerb != null && stem(outcome.best.entry.opVerb) === stem(verb);
  const reading = (list: readonly string[], generic: string, options: { byOperation?: boolean; literal?: boolean }): MatchOutcome => {
    const own = matchPhrase(list, verb, objectNouns, catalog, options);
    return exact(own)
      ? bestOf(own, matchPhrase(list, generic, objectNouns, catalog, options))
      : matchPhrase(list, generic, objectNouns, catalog, options);
  };
  const read = (list: readonly string[], options: { byOperation?: boolean; literal?: boolean } = {}): MatchOutcome =>
    reading(list, 'get', options);
  // What a delivery carries, or what a summary is of, is read: the clause's verb is about something else.
  const produce = (list: readonly string[], options: { byOperation?: boolean; literal?: boolean } = {}): MatchOutcome =>
    matchPhrase(list, 'get', [], catalog, options);
  const write = (list: readonly string[]): MatchOutcome => reading(list, 'write', { literal: true });

  // Sources: "from X" (each part of "X and Y") unless the verb reads there itself or only says how it delivers.
  const sources: SubStep[] = [];
  const skip = new Set<number>();
  // With a named agent doing the work ("re-score the opportunities in Salesforce with the DealPredictor agent"),
  // where the data is ("in Salesforce") is read first, like "from".
  const instrument = catalog.some((entry) => entry.kind === 'agent' && namesEntry(clause.text, entry));
  const fromPhrases = phrases.filter(
    (p) =>
      p.prep === 'from' ||
      (p.prep === 'by' && FOUND_BY.has(clause.words[p.start - 2] ?? '')) ||
      (instrument && (p.prep === 'in' || p.prep === 'on')),
  );
  // "pull the spend from Google Ads and Facebook Ads": one read per system, and nothing else.
  const manyReads = readsData(verb) && fromPhrases.some((p) => parts(p.words).length > 1);
  if ((!readsData(verb) || manyReads) && !(DELIVER.has(verb) && pronounObject)) {
    for (const phrase of fromPhrases) {
      // "in X" / "on X" only when X names a system outright: "on the sales data" is not Salesforce.
      const literal = phrase.prep === 'in' || phrase.prep === 'on';
      const found = parts(phrase.words).map((part) => ({ part, match: read(part, { literal }) }));
      if (found.every((f) => f.match.best === null)) continue;
      if (manyReads && found.some((f) => f.match.best === null)) continue;
      for (let i = phrase.start - 1; i < phrase.start + phrase.words.length; i++) skip.add(i);
      for (const { part, match } of found)
        sources.push({ text: `get ${object.join(' ')} from ${part.join(' ')}`.replace(/\s+/g, ' '), match, role: 'source' });
    }
  }
  if (transfer && sources.length === 0 && meaningful(object)) {
    const found = read(object);
    if (found.best !== null) sources.push({ text: `${verb} ${object.join(' ')}`, match: found, role: 'source' });
  }

  // What is delivered may be made by a tool of its own ("send the weekly budget report", "a summary of the tickets").
  const made: SubStep[] = [];
  let nominalMain: MatchOutcome | null = null;
  if (DELIVER.has(verb) || conceptsOf(verb).has('create')) {
    const ofAt = object.indexOf('of');
    const head = contentWords(ofAt >= 0 ? object.slice(0, ofAt) : object).pop();
    const nominal = head === undefined ? undefined : NOMINAL[head];
    if (nominal !== undefined) {
      const subject = ofAt >= 0 ? object.slice(ofAt + 1) : [];
      if (meaningful(subject)) {
        const found = produce(subject);
        if (found.best !== null) made.push({ text: `get ${subject.join(' ')}`, match: found, role: 'producer' });
      }
      const action = doing(nominal, catalog);
      if (action.best !== null && conceptsOf(verb).has('create') && !DELIVER.has(verb)) nominalMain = action;
      else if (action.best !== null) made.push({ text: `${nominal} ${subject.join(' ') || 'it'}`, match: action, role: 'nominal' });
    } else if (DELIVER.has(verb) && meaningful(object)) {
      // Only what names a tool outright or by its operation's nouns: "the sales data" is not a Salesforce query.
      const found = produce(object, { byOperation: true, literal: true });
      const best = found.best;
      if (best !== null && (best.entry.opVerb === null || readsData(best.entry.opVerb))) {
        made.push({ text: `get ${object.join(' ')}`, match: found, role: 'producer' });
      }
    }
  }
  // What is delivered is made before: the delivery itself is matched on the rest of the clause.
  if (made.length > 0) for (let i = clause.verbIndex + 1; i <= clause.verbIndex + object.length; i++) skip.add(i);
  if (manyReads && sources.length > 0) return { before: sources, main: null, after: [] };

  let main: MatchOutcome | null = nominalMain ?? matchClause(clause, catalog, context, skip);
  const systemOf = (outcome: MatchOutcome | null): string | null => outcome?.best?.entry.system ?? null;
  const used = new Set<string>();
  const keep = (list: SubStep[]): SubStep[] =>
    list.filter((sub) => {
      const system = systemOf(sub.match);
      if (system === null || used.has(system)) return false;
      used.add(system);
      return true;
    });

  // Destinations: "to/into/onto X" naming a system outright.
  const destinations: SubStep[] = [];
  for (const phrase of phrases.filter((p) => DESTINATION_PREPS.has(p.prep))) {
    if (!meaningful(phrase.words)) continue;
    const found = write(phrase.words);
    const op = found.best?.entry.opVerb ?? null;
    // A destination is written to: "to the master contacts table" is not a job for `contacts.dedupe`.
    if (found.best !== null && op !== null && !sameDirection(op, 'write')) continue;
    if (found.best !== null)
      destinations.push({
        text: `write ${object.join(' ')} to ${phrase.words.join(' ')}`.replace(/\s+/g, ' '),
        match: found,
        role: 'destination',
      });
  }

  if (transfer) {
    // A transfer is its two ends; the clause's own match would repeat one of them.
    const source = keep(sources);
    const destination = destinations.filter((d) => !source.some((s) => systemOf(s.match) === systemOf(d.match))).slice(0, 1);
    if (source.length > 0 && destination.length > 0) return { before: source, main: null, after: destination };
    if (source.length > 0) {
      const own = systemOf(main);
      return { before: source, main: own === null || own === systemOf(source[0]?.match ?? null) ? null : main, after: [] };
    }
    if (destination.length > 0 && systemOf(main) !== systemOf(destination[0]?.match ?? null)) {
      return { before: [], main: main.best === null ? null : main, after: destination };
    }
    return { before: [], main, after: [] };
  }

  const own = systemOf(main);
  if (own !== null) used.add(own);
  const before = [...keep(sources), ...keep(made)];
  const after = keep(destinations);
  if (main.best === null && before.length + after.length > 0 && (conceptsOf(verb).has('create') || transfer)) main = null;
  return { before, main, after };
}
