/**
 * The default parser: deterministic, offline and pure (the same instruction and context
 * always give the same result, timing aside). Pipeline: schedule phrase → cron (schedule.ts),
 * the trigger event (trigger.ts), clauses, conditions and waits (clauses.ts), each action matched to an available tool or registered
 * agent (catalog.ts), canonical steps (build.ts), then the workflow validator, the seed 003
 * nodes form and the confidence (finish.ts).
 */
import { buildDefinition } from './build.ts';
import { buildCatalog, catalogVerbs, impliedWords, namesEntry, systemScore } from './catalog.ts';
import { segment } from './clauses.ts';
import { checkCandidate, confidenceOf, toNodes } from './finish.ts';
import { extractSchedule } from './schedule.ts';
import { isImperative, words } from './text.ts';
import { extractTrigger } from './trigger.ts';
import type { ParseContext, ParseResult, Parser } from './types.ts';

/** Parses synchronously; what {@link createDeterministicParser} wraps. */
export function parseDeterministic(instruction: string, context: ParseContext = {}): ParseResult {
  const started = performance.now();
  const extraction = extractSchedule(instruction.trim());
  const catalog = buildCatalog(context);
  const isVerb = catalogVerbs(catalog);
  const found = extractTrigger(
    extraction.text,
    (list, at) => {
      const word = (list[at] ?? '').toLowerCase().replace(/[^a-z'-]/g, '');
      return isImperative(word) || isVerb(word);
    },
    { scheduled: extraction.schedule !== null },
  );
  // "Send a survey 24 hours after a ticket is solved": the run starts at the event, then waits.
  const text = found.delayMs === undefined ? found.text : `wait ${Math.round(found.delayMs / 60_000)} minutes. ${found.text}`;
  const seg = segment(text, (fragment) => catalog.some((entry) => namesEntry(fragment, entry)), isVerb);
  // "When an expense report is submitted in Expensify, fetch its details": the trigger's system is the context of the first step.
  const triggerWords = found.trigger === null ? [] : [...words(found.trigger), ...impliedWords(found.trigger)];
  const triggerSystem = catalog.find((entry) => systemScore(triggerWords, entry) >= 1)?.system ?? null;
  const built = buildDefinition(seg, catalog, extraction.schedule, triggerSystem, found.trigger);
  const checked = checkCandidate(built.candidate, context, [...extraction.issues, ...built.issues]);
  const confidence = confidenceOf({
    qualities: built.qualities,
    ignored: built.ignored,
    implicitConditions: built.implicitConditions,
    scheduleIssues: extraction.issues.length,
  });
  return {
    name: built.name,
    description: built.description,
    definition: checked.definition,
    nodes: toNodes(checked.definition, new Set(context.availableTools ?? [])),
    schedule: extraction.schedule,
    trigger: found.trigger,
    confidence,
    valid: checked.valid,
    issues: checked.issues,
    source: 'deterministic',
    parseTimeMs: Math.round((performance.now() - started) * 100) / 100,
    notes: [...extraction.notes, ...built.notes],
    matches: built.matches,
  };
}

/** The deterministic parser behind the {@link Parser} interface. */
export function createDeterministicParser(): Parser {
  return { parse: async (instruction, context) => parseDeterministic(instruction, context) };
}
