/**
 * The clause model: splits an instruction (its schedule phrase and trigger already removed,
 * see schedule.ts and trigger.ts) into blocks in the order they must run:
 *
 * - **action** clauses ("pull the sales data", "email it to the team");
 * - **condition** blocks whose branches hold the consequence: "if X, Y[, otherwise Z]", "Y if X",
 *   "…, and if it fails, page the on-call engineer" (the consequence is everything after the test
 *   up to "otherwise" or the end of the sentence), "verify X; if not, Z";
 * - **waits** for an event in the middle of a run ("…, and once they sign it, mark the deal won",
 *   "create the vendor after legal approves the W-9"), which become `wait` steps.
 *
 * Order is the text's, except where the text says otherwise: "X before Y" (X, then Y), "X after
 * Y" (Y first), "X, but Y first", "X, using the KBSearch agent to find it" and "X, written by the
 * CopyWriter agent" (the agent's step comes first).
 *
 * Sentences end at `.`, `!`, `?` or `;` followed by a space (so `salesforce.query` stays whole).
 * Inside a sentence, actions are separated by "then", "and then", "after that", "before", by
 * commas, and by "and" when the next word is a verb ("pull data and email it"). A fragment
 * without a verb is glued back onto the previous action ("email Bob, Alice and Carol"). Negated
 * fragments ("don't email anyone") are dropped and reported.
 */
import { type ActionClause, type IsVerb, makeClause, participleClause } from './action-clause.ts';
import { opposite } from './conditions.ts';
import { reorder } from './reorder.ts';
import { isImperative } from './text.ts';
import { AMOUNT } from './trigger.ts';

export type Block =
  /** `movedBefore`: the text put it before the next action ("…, but strip the IPs first"), so it runs after that action's reads. */
  | { kind: 'action'; clause: ActionClause; movedBefore?: true }
  | { kind: 'condition'; text: string; onTrue: Block[]; onFalse: Block[]; negated?: boolean };

export interface Segmentation {
  blocks: Block[];
  /** Fragments that produced nothing, with the reason. */
  ignored: { text: string; reason: string }[];
}

/** Tells whether a verbless fragment names a tool or agent ("…, then the ReportGenerator"). */
export type NamesTarget = (text: string) => boolean;

const UNIT = 'seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?';
/** An event that is a step of the run ending: "the upgrade finishes", "it is done". */
const FINISHES = /^(?:the|it|that|this)\b[\w\s'-]{0,30}?\s+(?:finishes|completes|ends|is\s+(?:done|finished|complete|completed|over))$/i;
/** "check it", "monitor them": reading what a test is about. */
const READS_IT = /^(?:check|monitor|poll|read|watch|measure|query)\s+(?:it|them|this|that)\b/i;
const CONDITION = /^(?:only\s+)?(?:if|in\s+case|unless|provided\s+that)\s+(.+)$/i;
const ELSE = /^(?:otherwise|else|or\s+else|if\s+not|if\s+it\s+(?:is|does)\s*n[o']t)\b[\s,:]*(.*)$/i;
const EVENT = /^(?:only\s+)?(?:once|after|as\s+soon\s+as|when|whenever)\s+(.+)$/i;
/** A test that compares ("is under 20%", "exceeds 90", "is more than 10"): read as a condition even after "when". */
const COMPARES =
  /\b(?:above|below|under|over|exceeds?|greater|less|more|fewer|higher|lower|at\s+least|at\s+most|equals?|drops?|rises?|[<>]=?)\b|[<>]/i;
const NEGATED = /^(?:don't|do not|dont|never|no need to|not|without|skip|avoid)\b/i;
const NOTHING = /^(?:do\s+nothing|nothing|ignore\s+it|carry\s+on|continue)$/i;
/** Separators between actions; "if", "otherwise", "once"… also start a piece of their own. */
const SPLIT =
  /\s*[,;]?\s*\b(?:and\s+then|and\s+after\s+that|after\s+that|afterwards|afterward|and\s+finally|and\s+lastly|then|before)\b\s*,?\s*|\s*,(?!\d)\s*(?:and\s+)?|\s*;\s*|\s+(?:-|–|—|->|→|=>)\s+|\s+(?:and|but|then)\s+(?=(?:if|unless|once)\b)|\s*:\s*(?=(?:if|unless|when)\b)|\s+(?:and\s+|but\s+)?(?=(?:otherwise|else|or\s+else)\b)/i;

/** Marks for "… before anything else" (to the front) and "… before that" (before the previous action). */
const FIRST_OF_ALL = 'firstofall';
const BEFORE_PREVIOUS = 'beforeprevious';

function stripConnectors(text: string): string {
  let out = text.trim();
  for (;;) {
    const next = out
      .replace(
        /^(?:and|also|finally|lastly|next|first|firstly|second|secondly|third|thirdly|then|so|afterwards|plus|&|but|either\s+way|regardless|in\s+any\s+case|in\s+both\s+cases|no\s+matter\s+what)\b[\s,:]*/i,
        '',
      )
      .replace(/^[\s,;:-]+/, '')
      .trim();
    if (next === out) return out.replace(/[\s,;:.!?]+$/, '').trim();
    out = next;
  }
}

/** "pull data and email it" → ["pull data", "email it"]; "sales and marketing data" stays whole. */
function splitOnAndVerb(text: string, isVerb: IsVerb): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    const match = [...rest.matchAll(/\s+(?:and|&)\s+(?:also\s+)?([A-Za-z'-]+)/gi)].find(
      (m) => startsAction(m[1] ?? '', isVerb) || participleClause(rest.slice((m.index ?? 0) + m[0].length - (m[1] ?? '').length)),
    );
    if (match === undefined) break;
    out.push(rest.slice(0, match.index));
    rest = rest.slice(match.index + match[0].length - (match[1] ?? '').length);
  }
  out.push(rest);
  return out;
}

/** A verb in its base form: what an imperative starts with. */
function startsAction(word: string, isVerb: IsVerb): boolean {
  const lower = word.toLowerCase();
  return isImperative(lower) || isVerb(lower);
}

/** Where "X Y" without a comma splits into the test or event X and the action Y: before the first imperative after two words. */
function splitAtImperative(text: string, isVerb: IsVerb): [string, string] | null {
  const matches = [...text.matchAll(/[A-Za-z'-]+/g)];
  // "approved pay it", "score > 70 create the deal": a one-word test, or one that compares to a number.
  const short =
    /^(?:[a-z]+ed|yes|no|ok|okay|urgent|clean|valid|invalid)$/i.test(matches[0]?.[0] ?? '') ||
    /[<>=]|\d/.test(text.slice(0, matches[1]?.index ?? 0));
  for (let k = short ? 1 : 2; k < matches.length; k++) {
    const match = matches[k];
    const previous = matches[k - 1]?.[0].toLowerCase() ?? '';
    // "is down", "to approve": a verb after an auxiliary or "to" belongs to the test.
    if (/^(?:is|are|was|were|be|been|to|will|would|can|could|should|does|do|did|has|have|had|not|it|they)$/.test(previous)) continue;
    // "the sentiment score is below 0.3": a word followed by a verb of being is the subject, not an imperative.
    if (/^(?:is|are|was|were|has|have|goes|gets|drops|rises|exceeds)$/i.test(matches[k + 1]?.[0] ?? '')) continue;
    if (match !== undefined && startsAction(match[0], isVerb)) return [text.slice(0, match.index).trim(), text.slice(match.index).trim()];
  }
  return null;
}

/** Segments the instruction text into blocks. */
export function segment(text: string, namesTarget: NamesTarget = () => false, isVerb: IsVerb = () => false): Segmentation {
  const ignored: Segmentation['ignored'] = [];
  const blocks: Block[] = [];
  const sentences = text
    .split(/(?<=[.!?;])\s+|\n+/)
    .map((s) => s.trim().replace(/[.!?;]+$/, ''))
    .filter((s) => s !== '');
  const reader = new SentenceReader(ignored, namesTarget, isVerb);
  for (const raw of sentences) {
    const sentence = dropHeading(raw.replace(/^[\s,;:-]+/, '').trim(), isVerb);
    const otherwise = ELSE.exec(sentence);
    const open = lastOpenCondition(blocks);
    if (otherwise && open !== undefined) {
      open.onFalse = reader.read(otherwise[1] ?? '');
      continue;
    }
    const moved = reorder(sentence, blocks, (text) => reader.read(text));
    if (moved) continue;
    const read = reader.read(sentence);
    // "If it passes, deploy. If it fails, roll back.": the second test is the first one's other branch.
    const [first, ...rest] = read;
    if (open !== undefined && first?.kind === 'condition' && !first.negated && opposite(open.text, first.text)) {
      open.onFalse = first.onTrue;
      blocks.push(...rest);
      continue;
    }
    blocks.push(...read);
  }
  return { blocks, ignored };
}

/** "New vendor onboarding: create the vendor …" → "create the vendor …": a verbless title before a colon says nothing to do. */
function dropHeading(sentence: string, isVerb: IsVerb): string {
  const match = /^([^:]{1,60}):\s+(.+)$/.exec(sentence) ?? /^([^:]{1,80}?)\s[-–—]\s+(.+,.+)$/.exec(sentence);
  if (match === null) return sentence;
  const title = makeClause(match[1] ?? '', isVerb);
  // "the HR headcount report gets rebuilt - read …, join …, write …": a passive title over a list says what the list does.
  const passiveTitle = title.verbIndex > 0 && /(?:ed|en|t)$/.test(title.words[title.verbIndex] ?? '') && /,/.test(match[2] ?? '');
  return title.verb === null || passiveTitle ? (match[2] ?? '') : sentence;
}

/** The last condition with no "otherwise" branch yet, at the end of `blocks`. */
function lastOpenCondition(blocks: readonly Block[]): Extract<Block, { kind: 'condition' }> | undefined {
  const last = blocks[blocks.length - 1];
  return last?.kind === 'condition' && last.onFalse.length === 0 ? last : undefined;
}

/** Reads one sentence (or a branch of one) into blocks. */
class SentenceReader {
  /** The last action read, for "try again". */
  private last: ActionClause | undefined;

  constructor(
    private readonly ignored: Segmentation['ignored'],
    private readonly namesTarget: NamesTarget,
    private readonly isVerb: IsVerb,
  ) {}

  read(raw: string): Block[] {
    // "escalate it to tier 2 - but first run a line test …": the part after "but first" runs first.
    const butFirst = /^(.+?)\s*(?:[,;]|\s[-–—])\s*but\s+first\s*,?\s+(.+)$/i.exec(raw);
    if (butFirst) return [...this.read(butFirst[2] ?? ''), ...this.read(butFirst[1] ?? '')];
    // "Before the list is loaded into Braze, drop the bad rows": the main clause runs first.
    const before = /^before\s+([^,]+),\s*(.+)$/i.exec(raw);
    if (before) return [...this.read(before[2] ?? ''), ...this.read(before[1] ?? '')];
    const sentence = raw
      .replace(/\s+before\s+(?:anything|everything|all)(?:\s+else)?\b/gi, ` ${FIRST_OF_ALL}`)
      .replace(/\s+before\s+(?:that|this|doing\s+so|then)\b/gi, ` ${BEFORE_PREVIOUS}`);
    const pieces = sentence
      .split(new RegExp(SPLIT.source, 'gi'))
      .flatMap((piece) => splitOnAndVerb(piece, this.isVerb))
      .map(stripConnectors)
      .filter((piece) => piece !== '');
    return this.walk(pieces);
  }

  /** Turns pieces into blocks; a condition takes every piece after it, up to "otherwise", as its consequence. */
  private walk(pieces: readonly string[]): Block[] {
    const out: Block[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] ?? '';
      const condition = CONDITION.exec(piece);
      if (condition) {
        const negated = /^unless\b/i.test(piece.replace(/^only\s+/i, ''));
        let test = condition[1] ?? '';
        const branch: string[] = [];
        let j = i + 1;
        // "if it drops below 30000 send me a message": the action follows the test without a comma.
        const ends = (k: number): boolean => ELSE.test(pieces[k] ?? '') || this.nextTest(test, pieces[k] ?? '') !== null;
        const split = splitAtImperative(test, this.isVerb);
        // "if it's above 7 mm/s stop the conveyor and text the lead": a verb and its object inside the test start the branch.
        const inline =
          j >= pieces.length || ends(j) || (split !== null && /^\S+\s+(?:the|a|an|it|them|all|our|their|its)\b/i.test(split[1]))
            ? split
            : null;
        if (inline !== null) [test, branch[0]] = inline;
        while (j < pieces.length && !ends(j)) branch.push(pieces[j++] ?? '');
        const next = j < pieces.length ? this.nextTest(test, pieces[j] ?? '') : null;
        if (next === 'sibling') {
          // "when it's over 1000 add workers, and when it drops under 100 scale back": two tests, one after the other.
          out.push({ kind: 'condition', text: test.trim(), onTrue: this.walk(branch), onFalse: [], ...(negated ? { negated } : {}) });
          out.push(...this.walk(pieces.slice(j)));
          return out;
        }
        // "reopen it and assign it back, unless the reply is just a thank-you": a test closing the sentence gates what came before.
        if (branch.length === 0 && next === null && j >= pieces.length && out.length > 0 && out.every((b) => b.kind === 'action')) {
          return [{ kind: 'condition', text: test.trim(), onTrue: out, onFalse: [], ...(negated ? { negated } : {}) }];
        }
        let onFalse: Block[];
        let after: Block[] = [];
        if (next === 'opposite') {
          // "if they pass deploy, if they fail post in #ci": the second test is this one's other branch.
          const [other, ...rest] = this.walk(pieces.slice(j));
          onFalse = other?.kind === 'condition' ? other.onTrue : [];
          after = rest;
        } else {
          const elseText = j < pieces.length ? (ELSE.exec(pieces[j] ?? '')?.[1] ?? '') : '';
          const elsePieces = j < pieces.length ? [elseText, ...pieces.slice(j + 1)].filter((p) => p !== '') : [];
          onFalse = this.walk(elsePieces.filter((p) => !NOTHING.test(p)));
        }
        out.push({ kind: 'condition', text: test.trim(), onTrue: this.walk(branch), onFalse, ...(negated ? { negated } : {}) });
        out.push(...after);
        return out;
      }
      const otherwise = ELSE.exec(piece);
      if (otherwise) {
        const open = lastOpenCondition(out);
        const rest = [otherwise[1] ?? '', ...pieces.slice(i + 1)].filter((p) => p !== '' && !NOTHING.test(p));
        if (open !== undefined) open.onFalse = this.walk(rest);
        else if (/^if\s+not\b/i.test(piece)) {
          // "verify they are ready; if not, page the team": the test is the previous check, negated.
          const previous = out[out.length - 1];
          const test = previous?.kind === 'action' ? previous.clause.text : 'the previous step succeeded';
          out.push({ kind: 'condition', text: test, onTrue: this.walk(rest), onFalse: [], negated: true });
        } else this.ignored.push({ text: piece, reason: '"otherwise" with no condition before it' });
        return out;
      }
      const event = EVENT.exec(piece);
      // "…; when the charge is under 20% switch to grid mode": a comparison is a condition, not an event to wait for.
      if (event && /^(?:when|whenever)\b/i.test(piece) && COMPARES.test(event[1] ?? '')) {
        out.push(...this.walk([`if ${event[1] ?? ''}`, ...pieces.slice(i + 1)]));
        return out;
      }
      if (event) {
        // "once they sign it, mark …": the run waits for the event, then goes on.
        const inline = splitAtImperative(event[1] ?? '', this.isVerb);
        // "Publish the draft, but only after Legal signs off": the wait comes before the action it closes.
        if (inline === null && i === pieces.length - 1 && out.at(-1)?.kind === 'action') {
          out.splice(out.length - 1, 0, this.action(`wait until ${event[1] ?? ''}`));
          continue;
        }
        out.push(this.action(`wait until ${inline?.[0] ?? event[1] ?? ''}`));
        if (inline !== null) out.push(...this.walk([inline[1]]));
        continue;
      }
      // "wait a minute and try again": the last action once more.
      if (/^(?:try|do|run)\s+(?:it\s+|that\s+)?again$|^retry(?:\s+it)?$/i.test(piece) && this.last !== undefined) {
        out.push(this.action(this.last.text));
        continue;
      }
      if (NEGATED.test(piece)) {
        this.ignored.push({ text: piece, reason: 'negated: nothing to do' });
        continue;
      }
      out.push(...this.actionPiece(piece, out));
    }
    return out;
  }

  /**
   * Whether `piece` starts a test that ends the branch of `test`: its `opposite` ("if they fail"
   * after "if they pass"), or a `sibling` comparison ("when it drops under 100" after "when it's
   * over 1000"); null when it is part of the branch (a nested test, or an action).
   */
  private nextTest(test: string, piece: string): 'opposite' | 'sibling' | null {
    const match = /^(?:if|when|whenever)\s+(.+)$/i.exec(piece);
    if (match === null) return null;
    const other = match[1] ?? '';
    if (/^if\b/i.test(piece) && opposite(test, other)) return 'opposite';
    return COMPARES.test(test) && COMPARES.test(other) ? 'sibling' : null;
  }

  /** One action piece, with what it may carry: a trailing condition, an event it waits for, or an order of its own. */
  private actionPiece(piece: string, before: Block[]): Block[] {
    // "tweet the link an hour later", "24 hours later email the subcontractor": a pause, then the action.
    const later = new RegExp(`^(?:${AMOUNT}\\s+(${UNIT})\\s+later\\s*,?\\s+(.+)|(.+?)\\s+${AMOUNT}\\s+(${UNIT})\\s+later)$`, 'i').exec(
      piece,
    );
    if (later) {
      const [, amount, unit, action, action2, amount2, unit2] = later;
      return [this.action(`wait ${amount ?? amount2} ${unit ?? unit2}`), ...this.actionPiece(action ?? action2 ?? '', before)];
    }
    // "…, but translate it to English first if it's not in English": before the previous action, with its test.
    const firstIf = /^(?:but\s+)?(.+?)\s+first(\s+(?:if|unless)\s+.+)$/i.exec(piece);
    if (firstIf && before.length > 0) {
      before.splice(before.length - 1, 0, ...this.actionPiece(`${firstIf[1] ?? ''}${firstIf[2] ?? ''}`, []));
      return [];
    }
    // "roll back if they fail": the condition gates this action only.
    const trailing = /^(.+?)\s+(?:but\s+)?(?:only\s+)?(if|unless|in\s+case)\s+(.+)$/i.exec(piece);
    if (trailing && makeClause(trailing[1] ?? '', this.isVerb).verb !== null) {
      return [
        {
          kind: 'condition',
          text: (trailing[3] ?? '').trim(),
          onTrue: [this.action(trailing[1] ?? '')],
          onFalse: [],
          ...(/^unless$/i.test(trailing[2] ?? '') ? { negated: true } : {}),
        },
      ];
    }
    // "create the vendor after legal approves the W-9": wait for the event, then act.
    const after = /^(.+?)\s+(?:only\s+)?(?:after|once)\s+(.+)$/i.exec(piece);
    if (after && makeClause(after[1] ?? '', this.isVerb).verb !== null && !/^(?:the|a|an|each|every)\s+\w+$/i.test(after[2] ?? '')) {
      // "uncordon the nodes once the upgrade finishes": the step before finishing is the order itself, not an event.
      if (FINISHES.test(after[2] ?? '')) return [this.action(after[1] ?? '')];
      return [this.action(`wait until ${after[2] ?? ''}`), this.action(after[1] ?? '')];
    }
    // "…, but run the schema check before anything else": to the front; "tag them in HubSpot before that": before the previous action.
    if (piece.endsWith(FIRST_OF_ALL)) {
      before.unshift(this.action(piece.slice(0, -FIRST_OF_ALL.length)));
      return [];
    }
    if (piece.endsWith(BEFORE_PREVIOUS) && before.length > 0) {
      before.splice(before.length - 1, 0, { ...this.action(piece.slice(0, -BEFORE_PREVIOUS.length)), movedBefore: true });
      return [];
    }
    // "…, but anonymize the email column first": this one goes before the previous action.
    const first = /^(?:but\s+)?(.+?)\s+first$/i.exec(piece);
    const previous = before[before.length - 1];
    if (first && previous !== undefined) {
      before.splice(before.length - 1, 0, { ...this.action(first[1] ?? ''), movedBefore: true });
      return [];
    }
    // "ping #grid-ops if the SoC goes under 15% - check it via the victron api": the reading the test is about comes first.
    if (previous?.kind === 'condition' && READS_IT.test(piece)) {
      before.splice(before.length - 1, 0, this.action(piece));
      return [];
    }
    // "…, using the KBSearch agent to find it" / "…, written by the CopyWriter agent": that agent's step comes first.
    const instrument =
      /^(?:using|with|via)\s+(.+?)(?:\s+to\s+(.+))?$|^(?:written|drafted|generated|produced|prepared|created|composed)\s+by\s+(.+)$/i.exec(
        piece,
      );
    if (instrument && previous !== undefined && this.namesTarget(piece)) {
      const [, tool = '', purpose, author] = instrument;
      const text = author !== undefined ? `write it with ${author}` : `${purpose ?? 'run'} with ${tool}`;
      before.splice(before.length - 1, 0, this.action(text));
      return [];
    }
    const clause = makeClause(piece, this.isVerb);
    const last = before[before.length - 1];
    // "create a renewal task for each one, assigned to the contract owner": a participle describes the step before.
    if (last?.kind === 'action' && /^[a-z]+ed\s+(?:to|by|for|with|as)\b/i.test(piece) && !this.namesTarget(piece)) {
      before[before.length - 1] = this.action(`${last.clause.text}, ${piece}`);
      return [];
    }
    // "get approval from the department head and then from finance": the same action again, from someone else.
    const gapped = /^(from|to|with|by|via)\s+/i.exec(piece);
    const shared = gapped && last?.kind === 'action' ? new RegExp(`^(.+?)\\s+${gapped[1] ?? ''}\\s+`, 'i').exec(last.clause.text) : null;
    if (clause.verb === null && shared) return [this.action(`${shared[1] ?? ''} ${piece}`)];
    if (clause.verb === null && last?.kind === 'action' && last.clause.verb !== null && !this.namesTarget(piece)) {
      before[before.length - 1] = this.action(`${last.clause.text}, ${piece}`);
      return [];
    }
    if (clause.verb !== null && clause.verb !== 'wait') this.last = clause;
    return [{ kind: 'action', clause }];
  }

  private action(text: string): Extract<Block, { kind: 'action' }> {
    const clause = makeClause(text.trim(), this.isVerb);
    if (clause.verb !== null && clause.verb !== 'wait') this.last = clause;
    return { kind: 'action', clause };
  }
}
