/** How a parsed workflow is named and described: its schedule's frequency, the nouns of its actions, its clauses in words. */
import type { ActionClause } from './action-clause.ts';
import type { Block, Segmentation } from './clauses.ts';
import type { ParsedSchedule } from './schedule.ts';
import { capitalize, PREPOSITIONS, stem, STOPWORDS, WEAK_WORDS } from './text.ts';

/** "Weekly Sales Summary Report": how often, then the first distinctive nouns of the actions. */
export function workflowName(seg: Segmentation, schedule: ParsedSchedule | null): string {
  const clauses = actionsOf(seg.blocks);
  const seen = new Set<string>();
  const topic: string[] = [];
  for (const clause of clauses) {
    const object = clause.words.slice(clause.verbIndex + 1);
    for (const word of object) {
      if (STOPWORDS.has(word) || PREPOSITIONS.has(word) || WEAK_WORDS.has(stem(word)) || /[^a-z0-9-]/.test(word) || /^\d/.test(word))
        continue;
      if (word.length < 3 || seen.has(stem(word))) continue;
      seen.add(stem(word));
      topic.push(capitalize(word));
    }
  }
  const frequency = frequencyWord(schedule);
  if (topic.length === 0) {
    // Nothing distinctive: name it after its first action ("Email the team").
    const first = clauses.find((c) => c.verb !== null);
    const fallback = first === undefined ? 'Workflow' : capitalize(first.text).slice(0, 60);
    return frequency ? `${frequency} ${lowerFirst(fallback)}` : fallback;
  }
  return [...(frequency ? [frequency] : []), ...topic.slice(0, 3)].join(' ').slice(0, 80);
}

function frequencyWord(schedule: ParsedSchedule | null): string | undefined {
  if (schedule === null) return undefined;
  const [minute = '*', hour = '*', dom = '*', month = '*', dow = '*'] = schedule.cron.split(' ');
  if (month !== '*') return 'Yearly';
  if (dom !== '*' && !dom.startsWith('*/')) return 'Monthly';
  if (minute.includes('*')) return 'Frequent';
  if (hour.includes('*')) return 'Hourly';
  if (dow === '1-5') return 'Weekday';
  if (dow !== '*') return 'Weekly';
  return 'Daily';
}

/** "Email the team" → "email the team", leaving "SQL export" alone. */
export function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

export function workflowDescription(summary: readonly string[], schedule: ParsedSchedule | null): string {
  const body = summary.map(lowerFirst).join(', then ');
  const text = schedule === null ? capitalize(body) : `${capitalize(schedule.description)}: ${body}`;
  return (text || 'No actionable step found').slice(0, 500);
}

/** Every action clause of the blocks, branches included, in reading order. */
export function actionsOf(blocks: readonly Block[]): ActionClause[] {
  return blocks.flatMap((b) => (b.kind === 'action' ? [b.clause] : [...actionsOf(b.onTrue), ...actionsOf(b.onFalse)]));
}

export function describe(blocks: readonly Block[]): string {
  return actionsOf(blocks)
    .map((c) => lowerFirst(c.text))
    .join(' and ');
}
