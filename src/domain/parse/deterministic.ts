/**
 * The default parser: deterministic, offline and pure (the same instruction and context
 * always give the same result, timing aside). Pipeline: schedule phrase → cron (schedule.ts),
 * clauses and conditions (clauses.ts), each action matched to an available tool or registered
 * agent (catalog.ts), canonical steps (build.ts), then the workflow validator, the seed 003
 * nodes form and the confidence (finish.ts).
 */
import { buildDefinition } from './build.ts';
import { buildCatalog, namesEntry } from './catalog.ts';
import { segment } from './clauses.ts';
import { checkCandidate, confidenceOf, toNodes } from './finish.ts';
import { extractSchedule } from './schedule.ts';
import type { ParseContext, ParseResult, Parser } from './types.ts';

/** Parses synchronously; what {@link createDeterministicParser} wraps. */
export function parseDeterministic(instruction: string, context: ParseContext = {}): ParseResult {
  const started = performance.now();
  const extraction = extractSchedule(instruction.trim());
  const catalog = buildCatalog(context);
  const seg = segment(extraction.text, (text) => catalog.some((entry) => namesEntry(text, entry)));
  const built = buildDefinition(seg, catalog, extraction.schedule);
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
    trigger: null,
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
