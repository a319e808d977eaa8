/**
 * What a clause can be matched to: the caller's available tools and the workspace's registered
 * agents, read into the parts the scoring (match.ts) compares.
 *
 * A tool name is a system and an operation: `pagerduty.create_incident` is the system
 * `pagerduty` and the operation "create incident" (verb `create`, noun `incident`); an operation
 * without a verb (`stripe.revenue_report`) reads something. An agent name is all operation
 * (`ReportGenerator`: report, generate), with its description and its A2A card's skills as
 * further words.
 */
import lemmatizer from 'wink-lemmatizer';
import type { AgentStatus } from '../definition/validate.ts';
import type { ActionClause } from './action-clause.ts';
import { contentWords, nameWords, STOPWORDS, SYNONYM, similarity, specificMatch, stem, verbBase, words } from './text.ts';
import { PRODUCTS, SYSTEM_ALIASES } from './products.ts';
import type { ParseContext } from './types.ts';

export interface CatalogEntry {
  name: string;
  kind: 'tool' | 'agent';
  status: AgentStatus;
  /** Every word of the name. */
  nameWords: string[];
  /** The system a tool belongs to (`google_ads.get_spend` → google, ads); empty for agents. */
  systemWords: string[];
  /** `google_ads` → `google_ads`; an agent's or a namespace-less tool's whole name. */
  system: string;
  /** What it does (`get_spend` → get, spend; an agent: its whole name). */
  opWords: string[];
  /** The operation's verb (`get`), when it has one. */
  opVerb: string | null;
  /** The operation's other words (`spend`). */
  opNouns: string[];
  /** Content words of an agent's description and card skills. */
  descWords: string[];
  /** What people write for the system, run together ("googleanalytics" for `ga4`; products.ts). */
  aliases: readonly string[];
}

/** Tools first (in the caller's order), then agents by name; duplicates of a tool name are dropped. */
export function buildCatalog(context: ParseContext): CatalogEntry[] {
  const tools = [...new Set(context.availableTools ?? [])];
  const toolSet = new Set(tools);
  const entries: CatalogEntry[] = tools.map((name) => {
    const dot = name.lastIndexOf('.');
    const opWords = dot > 0 ? nameWords(name.slice(dot + 1)) : nameWords(name);
    const first = opWords[0];
    const opVerb = first === undefined ? null : (verbBase(first) ?? null);
    return {
      name,
      kind: 'tool',
      status: 'ACTIVE',
      nameWords: nameWords(name),
      systemWords: dot > 0 ? nameWords(name.slice(0, dot)) : [],
      system: dot > 0 ? name.slice(0, dot) : name,
      opWords,
      opVerb,
      opNouns: (opVerb === null ? opWords : opWords.slice(1)).filter((w) => !STOPWORDS.has(w)),
      descWords: [],
      aliases: dot > 0 ? (SYSTEM_ALIASES[name.slice(0, dot).toLowerCase()] ?? []) : [],
    };
  });
  for (const agent of [...(context.agents ?? [])].sort((a, b) => a.name.localeCompare(b.name))) {
    if (toolSet.has(agent.name) || agent.status === 'DELETED') continue;
    const skills = (agent.skills ?? []).flatMap((s) => [s.name, s.description ?? '', ...(s.tags ?? [])]);
    const own = nameWords(agent.name);
    // The agent noun is last ("CopyWriter" writes, it does not copy).
    const verbAt = own.map((w) => verbBase(w)).findLastIndex((v) => v !== undefined);
    entries.push({
      name: agent.name,
      kind: 'agent',
      status: agent.status,
      nameWords: own,
      systemWords: [],
      system: agent.name,
      opWords: own,
      opVerb: verbAt < 0 ? null : (verbBase(own[verbAt] ?? '') ?? null),
      opNouns: own.filter((w, i) => i !== verbAt && !STOPWORDS.has(w)),
      descWords: [...new Set(contentWords(words([agent.description ?? '', ...skills].join(' '))))].slice(0, 80),
      aliases: [],
    });
  }
  return entries;
}

/** The best similarity of `word` to any of `targets`. */
export function bestSimilarity(word: string, targets: readonly string[]): number {
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

/**
 * Words a text implies without writing them: a `#channel` or an `@mention` is chat, an e-mail
 * address is email, a phone number is sms; and two words written apart that name one system
 * ("status page" → statuspage).
 */
export function impliedWords(text: string): string[] {
  const out: string[] = [];
  if (/(?:^|\s)#[\w-]+/.test(text) || /(?:^|\s)@[A-Za-z][\w.-]*(?!\S*@)/.test(text)) out.push('chat');
  if (/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/.test(text)) out.push('email');
  if (/(?:^|\s)\+?\d[\d\s().-]{7,}\d/.test(text)) out.push('sms');
  const list = words(text);
  for (let i = 0; i + 1 < list.length; i++) {
    const [a = '', b = ''] = [list[i], list[i + 1]];
    if (/^[a-z]{2,}$/.test(a) && /^[a-z]{2,}$/.test(b)) out.push(`${a}${b}`);
  }
  return out;
}

/** How well a word that begins a system's name names it. */
const PREFIX = 0.85;

/** How well `words` name the entry's system: the mean, over its system words, of the best literal or specific match. */
export function systemScore(list: readonly string[], entry: CatalogEntry): number {
  if (entry.systemWords.length === 0) return 0;
  if (entry.aliases.some((alias) => list.includes(alias))) return 1;
  let total = 0;
  for (const target of entry.systemWords) {
    let best = 0;
    for (const word of list) {
      const similar = similarity(word, target);
      if (similar >= 1) best = 1;
      else if (similar > 0 && specificMatch(word, target)) best = Math.max(best, similar);
      // A product named short: "influx" for influxdb, "drift" for driftctl.
      else if (word.length >= 4 && target.length > word.length && target.startsWith(word)) best = Math.max(best, PREFIX);
    }
    total += best;
  }
  return total / entry.systemWords.length;
}

/**
 * Words of offered tool names that can start a clause as its verb even when the lexicon lacks
 * them ("geocode them" with `geo.geocode`, "vacuum the database" with `postgres.vacuum`). Only
 * the first word of a tool's operation counts: `slack.post` makes "post" a verb, not "slack".
 */
export function catalogVerbs(catalog: readonly CatalogEntry[]): (word: string) => boolean {
  const stems = new Set<string>();
  for (const entry of catalog) {
    if (entry.kind !== 'tool' || !entry.name.includes('.')) continue;
    const action = entry.opWords[0];
    if (action !== undefined && action.length > 2) stems.add(stem(action));
  }
  // Only the base form: "gets" in "a parcel gets stuck" is not an imperative.
  return (word) => word.length > 2 && stems.has(stem(word)) && lemmatizer.verb(word.toLowerCase()) === word.toLowerCase();
}

/**
 * Whether a clause asks someone for an approval ("get approval from finance", "ask the CFO for
 * approval", "have a lead approve it", "post the draft to #marketing for approval") rather than
 * approving something itself ("approve the leave requests").
 */
export function asksApproval(clause: ActionClause, lower = clause.text.toLowerCase()): boolean {
  if (/\bfor\s+(?:\w+\s+)?(?:approval|sign[\s-]?off)\b/.test(lower)) return true;
  if (!/\bapprov(?:al|e|es)\b|\bsign[\s-]?off\b|\bto\s+ok(?:ay)?\b|\ba\s+nod\b|\bgo-?ahead\b|\bgreen[\s-]?light\b/.test(lower))
    return false;
  // "legal must approve it": someone else approves, so the run waits for it.
  if (clause.verb === 'approve' && clause.verbIndex > 0) return true;
  return ['wait', 'pause', 'get', 'ask', 'request', 'require', 'have', 'need', 'seek', null].includes(clause.verb);
}

/**
 * The offered tools that request approvals fit for a clause asking for one: on a system it names
 * ("ask for approval via Slack" with `slack.request_approval`), or with its very verb ("submit
 * it for approval" with `expensify.submit_for_approval`). Empty when there is none: the approval
 * is then a `wait` step.
 */
export function approvalTools(clause: ActionClause, catalog: readonly CatalogEntry[], previousSystem: string | null): CatalogEntry[] {
  if (!asksApproval(clause)) return [];
  const said = [...clause.words, ...impliedWords(clause.text)];
  return catalog.filter(
    (entry) =>
      entry.kind === 'tool' &&
      entry.opWords.some((w) => stem(w) === stem('approval') || stem(w) === stem('approve')) &&
      entry.opVerb !== 'approve' &&
      (systemScore(said, entry) >= SYNONYM ||
        entry.system === previousSystem ||
        (clause.verb !== null && entry.opVerb !== null && stem(clause.verb) === stem(entry.opVerb))),
  );
}

const PRODUCT_SET: ReadonlySet<string> = new Set(PRODUCTS);

/** Whether a clause names a system, offered or not ("… with CloudConvert"): then it asks for that system, not for a built-in. */
export function namesAnySystem(clause: ActionClause, catalog: readonly CatalogEntry[]): boolean {
  const said = [...clause.words, ...impliedWords(clause.text)];
  if (/\b(?:with|via|using|through)\s+(?:the\s+)?[A-Z][A-Za-z0-9]+/.test(clause.text)) return true;
  return said.some((w) => PRODUCT_SET.has(w)) || catalog.some((entry) => systemScore(said, entry) >= 1 || namesEntry(clause.text, entry));
}
