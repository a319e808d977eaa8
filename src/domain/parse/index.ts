/**
 * Natural-language workflow parsing: an instruction ("Every Monday at 9am, pull the latest
 * sales data, generate a summary report, and email it to the sales team") becomes a canonical
 * definition, its seed 003 nodes form, a cron schedule, a confidence and the validation issues.
 */
export { buildCatalog } from './catalog.ts';
export { ACCEPT, AMBIGUITY_MARGIN, matchClause, scoreClause, STRONG } from './match.ts';
export type { ActionClause } from './action-clause.ts';
export { type Block, segment } from './clauses.ts';
export { type ConditionReading, readCondition } from './conditions.ts';
export { createDeterministicParser, parseDeterministic } from './deterministic.ts';
export { checkCandidate, confidenceOf, type ConfidenceInputs, QUALITY, toNodes } from './finish.ts';
export { createLlmParser, DEFAULT_LLM_MODEL, extractJson, type LlmParserOptions, systemPrompt } from './llm.ts';
export { extractSchedule, type ParsedSchedule, type ScheduleExtraction } from './schedule.ts';
export type { AgentInfo, AgentSkill, NodeForm, NodesDocument, ParseContext, ParseResult, Parser, ParseSource, StepMatch } from './types.ts';
