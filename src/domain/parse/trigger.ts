/**
 * Finds the event that starts the workflow: "When a new lead arrives, …", "Whenever the orders
 * webhook fires, …", "On every new tag, …", "For each new hire in Workday, …", "… whenever
 * someone logs in", "Send a survey 24 hours after a ticket is solved".
 *
 * Why it is not a condition: an event phrase says when the workflow runs, not which branch a
 * run takes. Read as a condition it became a step testing a field nobody sets (`check_lead`).
 * Flowdeck starts runs by API call or schedule, so the trigger is reported (ParseResult.trigger)
 * for whoever wires the event up, and the rest of the text is parsed as the workflow.
 *
 * Only the opening of the instruction can hold the trigger: the same words later on ("…, and
 * once they sign it, mark the deal as won") wait for an event in the middle of a run, which
 * clauses.ts turns into a `wait` step. A leading "if" is always a condition.
 */

import lemmatizer from 'wink-lemmatizer';
import { countOf } from './schedule-words.ts';
import { verbBase } from './text.ts';

/** What {@link extractTrigger} found. */
export interface TriggerExtraction {
  /** The event phrase ("a new lead arrives"), or null. */
  trigger: string | null;
  /** The instruction without the trigger phrase. */
  text: string;
  /** "24 hours after a ticket is solved": how long after the event the actions start (ms). */
  delayMs?: number;
}

const EVENT_WORDS = '(?:whenever|when|once|as\\s+soon\\s+as|each\\s+time|every\\s+time|after|upon|any\\s*time)';
const LEADING = new RegExp(`^(?:(?:and|so|then|please|just)\\s+)*${EVENT_WORDS}\\s+(.+)$`, 'is');
/** "For each new hire in Workday, …", "For every new ticket: …", "On every new tag, …", "On new order, …". */
const LEADING_EACH = /^(?:for|on)\s+(?:(?:each|every|any)\s+(new\s+)?|(new)\s+)(.+)$/is;
/** "… whenever someone logs in", "… each time a customer upgrades", "… when the page changes". */
const TRAILING = /^(.+?)[\s,]+(whenever|when|each\s+time|every\s+time|as\s+soon\s+as|any\s*time)\s+(.+)$/i;
/** An amount of time units, in digits or words ("24", "three", "an"). */
export const AMOUNT = '(\\d+(?:\\.\\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve)';
/** "… 24 hours after a ticket is solved". */
const DELAYED = new RegExp(`^(.+?)\\s+${AMOUNT}\\s+(minutes?|hours?|days?|weeks?)\\s+after\\s+(.+)$`, 'i');
/** "Three days after a ticket is solved, send …". */
const LEADING_DELAYED = new RegExp(`^${AMOUNT}\\s+(minutes?|hours?|days?|weeks?)\\s+after\\s+(.+)$`, 'i');
/** "Put every new response from the Typeform into Airtable", "Log every outbound call from Aircall as …": the object is the event. */
const OBJECT_EACH =
  /^([A-Za-z-]+)\s+(?:every|each|any)\s+(new\s+)?(.+?)(?=\s+(?:into|to|onto|in|as|with|via|through|and|then)\s+|\s*[,;]|$)(.*)$/i;
/** "every lead that fills the demo form -> enrich it …": a heading naming each thing that arrives. */
const EACH_HEADING = /^((?:every|each|any)\s+[^,:>→]+?)\s*(?:->|→|=>)\s*(.+)$/i;

/** "24", "three", "an" → a number. */
export function amountOf(word: string): number {
  if (/^\d/.test(word)) return Number(word);
  const count = countOf(word);
  return Number.isNaN(count) ? 1 : count;
}
/** "… after the nightly run reports failures". */
const AFTER = /^(.+?)[\s,]+(?:right\s+|just\s+|only\s+)?after\s+(.+)$/i;
/** Events that are a person's step inside the run, not what starts it. */
const HUMAN_STEP = /\b(?:approv\w*|sign(?:s|ed)?[\s-]?off|signs?\b|signed|reviews?|reviewed|confirms?|confirmed|agrees?|ok'?s)\b/i;
/** "… on every push to the infra repo". */
const ON_EACH = /^(.+?)\s+on\s+(?:every|each)\s+(new\s+)?([a-z][\w-]*(?:\s+(?!and\b|then\b)[a-z][\w.'-]*)*)\s*(.*)$/i;

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** Where an event phrase without a comma ends: before the first word `isVerbAt` accepts as an imperative. */
export type ImperativeAt = (words: readonly string[], index: number) => boolean;

function splitAtImperative(text: string, isImperativeAt: ImperativeAt): [string, string] | null {
  const words = text.split(/\s+/);
  for (let k = 2; k < words.length; k++) {
    // "the Terraform plan shows changes": the event has its own verb before the action starts, so "plan" is no imperative.
    if (!words.slice(0, k).some(isVerbForm)) continue;
    if (isImperativeAt(words, k)) return [words.slice(0, k).join(' '), words.slice(k).join(' ')];
  }
  return null;
}

/** "arrives", "is", "submitted", "pushes": a word that can be the event's verb. */
function isVerbForm(word: string): boolean {
  const w = word.toLowerCase().replace(/[^a-z'-]/g, '');
  if (/^(?:is|are|was|were|has|have|gets|goes|comes|hits|fails|ends|lands)$/.test(w)) return true;
  return /(?:s|ed)$/.test(w) && w.length > 3 && (lemmatizer.verb(w) !== w || verbBase(w) !== undefined);
}

/** The event, the rest; split at the first comma or colon, else before the first imperative. */
function eventAndRest(body: string, isImperativeAt: ImperativeAt): [string, string] | null {
  // "when a guest checks out in mews wait 2 hours then email them": a wait starts the run's part.
  const wait = /\s+(?=(?:wait|pause)\s+(?:for\s+)?(?:\d|an?\b|one\b))/i.exec(body);
  const separator = /\s*(?:,(?!\d)|:)\s*(?:then\b\s*,?\s*)?|\s+then\s+/i.exec(body);
  if (wait !== null && (separator === null || wait.index < separator.index))
    return [body.slice(0, wait.index).trim(), body.slice(wait.index).trim()];
  if (separator !== null) return [body.slice(0, separator.index).trim(), body.slice(separator.index + separator[0].length).trim()];
  return splitAtImperative(body, isImperativeAt);
}

function tidy(event: string): string {
  return event
    .replace(/[\s,;:.!?]+$/, '')
    .replace(/^(?:that|if)\s+/i, '')
    .trim();
}

/** Removes the trigger phrase from the instruction (its schedule phrase already removed). */
export function extractTrigger(text: string, isImperativeAt: ImperativeAt, options: { scheduled?: boolean } = {}): TriggerExtraction {
  const trimmed = text.trim();
  const leading = LEADING.exec(trimmed);
  // "After exporting the gradebook from Canvas, convert …": a gerund is the run's own first step, not an event.
  const gerund = /^(?:after|once|upon)\s+([a-z]+ing)\s+(.+)$/is.exec(trimmed);
  if (gerund) {
    const base = verbBase(gerund[1] ?? '');
    if (base !== undefined) return { trigger: null, text: `${base} ${gerund[2] ?? ''}`.replace(/,\s*/, ', then ') };
  }
  if (leading) {
    const split = eventAndRest(leading[1] ?? '', isImperativeAt);
    // "When a big deal closes." names an event and nothing to do: the trigger, and no steps.
    if (split === null) return { trigger: tidy(leading[1] ?? ''), text: '' };
    return { trigger: tidy(split[0]), text: split[1] };
  }
  // "new whatsapp msg from a customer -> translate it …", "New signup: add them to …": a heading that names a new thing.
  const heading = /^(new\s+[^,:>→-]+?)\s*(?:->|→|=>|:|—|\s-\s)\s*(.+)$/i.exec(trimmed);
  // "New vendor onboarding: …" is a title, not an event.
  if (heading && !/(?:ing|workflow|process|flow|procedure|automation|checklist)$/i.test((heading[1] ?? '').trim())) {
    return { trigger: tidy(heading[1] ?? ''), text: heading[2] ?? '' };
  }
  const leadingDelay = LEADING_DELAYED.exec(trimmed);
  if (leadingDelay) {
    const split = eventAndRest(leadingDelay[3] ?? '', isImperativeAt);
    if (split !== null) {
      const unit = (leadingDelay[2] ?? '').toLowerCase().replace(/s$/, '');
      return { trigger: tidy(split[0]), text: split[1], delayMs: Math.round(amountOf(leadingDelay[1] ?? '') * (UNIT_MS[unit] ?? 0)) };
    }
  }
  const eachHeading = EACH_HEADING.exec(trimmed);
  if (eachHeading && !options.scheduled) return { trigger: tidy(eachHeading[1] ?? ''), text: eachHeading[2] ?? '' };
  const each = LEADING_EACH.exec(trimmed);
  if (each) {
    const split = eventAndRest(each[3] ?? '', isImperativeAt);
    if (split !== null) return { trigger: `${each[1] || each[2] ? 'a new ' : ''}${tidy(split[0])}`, text: split[1] };
  }

  // Trailing forms qualify the first action only: "Alert #sec whenever someone logs in, and …".
  const [first = '', ...others] = trimmed.split(/(?<=[.!?;])\s+/);
  const rest = others.join(' ');
  const join = (action: string, after: string): string => `${action.trim()}${after.trim() === '' ? '' : ` ${after.trim()}`}`;
  const delayed = DELAYED.exec(first);
  if (delayed && !/\b(?:if|when|whenever)\b/i.test(delayed[1] ?? '')) {
    const amount = amountOf(delayed[2] ?? '');
    const unit = (delayed[3] ?? '').toLowerCase().replace(/s$/, '');
    const [event, after] = splitEventTail(delayed[4] ?? '');
    return {
      trigger: tidy(event),
      text: join(`${delayed[1] ?? ''}${after}`, rest),
      delayMs: Math.round(amount * (UNIT_MS[unit] ?? 0)),
    };
  }
  const trailing = TRAILING.exec(first);
  if (trailing && !/\b(?:if|when|whenever)\b/i.test(trailing[1] ?? '')) {
    const [event, after] = splitEventTail(trailing[3] ?? '');
    return { trigger: tidy(event), text: join(`${trailing[1] ?? ''}${after}`, rest) };
  }
  // "Ping me and open a bug after the nightly run reports failures": an event closing the first sentence starts
  // the run. Not an approval or a review ("after legal approves the W-9" waits inside the run), nor "but only … after".
  const afterEvent = AFTER.exec(first);
  if (afterEvent && !/\bonly\s*$/i.test(afterEvent[1] ?? '') && !HUMAN_STEP.test(afterEvent[2] ?? '')) {
    const [event, after] = splitEventTail(afterEvent[2] ?? '');
    if (!/^(?:that|this|it|then|which|each|every|all|\d)/i.test(event)) {
      return { trigger: tidy(event), text: join(`${afterEvent[1] ?? ''}${after}`, rest) };
    }
  }
  const onEach = ON_EACH.exec(first);
  if (onEach && !/^(?:day|week|month|year|hour|minute|morning|evening|night|weekday|weekend)s?\b/i.test(onEach[3] ?? '')) {
    const after = (onEach[4] ?? '').trim();
    return { trigger: `${onEach[2] ? 'a new' : 'a'} ${tidy(onEach[3] ?? '')}`, text: join(`${onEach[1] ?? ''} ${after}`, rest) };
  }
  // Unless a schedule polls for them: "Every hour, copy new tickets …" has no event.
  const objectEach = options.scheduled ? null : OBJECT_EACH.exec(first);
  if (objectEach && isImperativeAt([objectEach[1] ?? ''], 0)) {
    const [, verb = '', fresh, thing = '', tail = ''] = objectEach;
    // "email every customer" is every one there is; a new one, or one from a system, is an event.
    if (fresh !== undefined || /\bfrom\s+(?:the\s+|our\s+)?[A-Z]/.test(thing)) {
      return { trigger: `${fresh ? 'new ' : ''}${tidy(thing)}`, text: join(`${verb} it${tail}`, rest) };
    }
  }
  return { trigger: null, text: trimmed };
}

/** "someone fills out the form, and add them to …" → the event, and what follows it (", and add them to …"). */
function splitEventTail(text: string): [string, string] {
  // Only a comma or "then" ends the event: "logs in to the admin panel and …" is still the event.
  const cut = /\s*,\s*(?:and\s+|then\s+)?|\s+(?:and\s+)?then\s+/i.exec(text);
  if (cut === null || cut.index === 0) return [text, ''];
  return [text.slice(0, cut.index), `, ${text.slice(cut.index + cut[0].length)}`];
}
