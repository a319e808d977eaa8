/**
 * Builds the canonical candidate from segmented clauses.
 *
 * Steps are `step_1`, `step_2`… in the order they run, each depending on the one before. An
 * action becomes, in order of preference:
 *  - a `delay` step ("wait 10 minutes"), a `wait` step ("wait for approval", "get approval from
 *    the manager", "once they sign it") or an `http` step (the clause holds a URL);
 *  - an approval request on an offered tool for it, on a system the clause names ("ask for
 *    approval via Slack" → `slack.request_approval`);
 *  - the steps its phrases stand for (expand.ts: a source read, what a delivery carries, a
 *    destination written), each on the best-matching available tool (`agent:
 *    "salesforce.query"`, `action: "query"`) or registered agent (match.ts);
 *  - otherwise an agent step on a placeholder agent named `<verb>_<head noun>` ("generate a
 *    summary report" → `generate_report`), which validation reports as not existing.
 * Agent steps after the first receive the previous action's output as `input.input`
 * (`${step_1.output}`), the wiring seed 003 implies from `input_from`; e-mail addresses,
 * `#channels` and "to the <recipient>" become input fields too.
 *
 * "if X, Y[, otherwise Z]" becomes a `condition` step testing X (see conditions.ts) on the
 * previous action's output (`${step_1.output.total}`) or, when nothing precedes it, on a
 * workflow input (declared in `inputs`); Y starts its `onTrue` branch and Z its `onFalse`
 * branch, each depending on the condition. What follows the conditional block depends on the
 * condition and on the last step of each branch, so it runs whichever branch was taken.
 */
import type { Issue } from '../definition/schema.ts';
import { type ActionClause, makeClause } from './action-clause.ts';
import type { Block, Segmentation } from './clauses.ts';
import { approvalTools, asksApproval, type CatalogEntry, impliedWords, namesAnySystem, namesEntry, systemScore } from './catalog.ts';
import { expandClause } from './expand.ts';
import { AMBIGUITY_MARGIN, matchClause, type MatchOutcome, readsData, readsOnly, STRONG } from './match.ts';
import { completeTest, readCondition } from './conditions.ts';
import { describe, workflowDescription, workflowName } from './naming.ts';
import { clauseParameters, durationMs, FETCH_VERBS, headNoun, negate } from './step-parts.ts';
import { QUALITY } from './finish.ts';
import type { ParsedSchedule } from './schedule.ts';
import { capitalize, contentWords, slug, stem, WEAK_WORDS, words } from './text.ts';
import { draftTransform, RESHAPING_VERBS, reshapesData } from './transform.ts';
import type { StepMatch } from './types.ts';

export interface Built {
  candidate: { steps: Record<string, unknown>[]; inputs?: Record<string, unknown>[] };
  matches: StepMatch[];
  qualities: number[];
  notes: string[];
  issues: Issue[];
  implicitConditions: number;
  /** Verbless clauses that named nothing. */
  ignored: number;
  name: string;
  description: string;
}

interface Planned {
  id: string;
  step: Record<string, unknown>;
  match: StepMatch;
  quality: number;
}

/** Builds the candidate; `catalog` holds the available tools and registered agents. */
export function buildDefinition(
  seg: Segmentation,
  catalog: readonly CatalogEntry[],
  schedule: ParsedSchedule | null,
  startSystem: string | null = null,
  trigger: string | null = null,
): Built {
  const steps: Record<string, unknown>[] = [];
  const matches: StepMatch[] = [];
  const qualities: number[] = [];
  const notes: string[] = [];
  const inputs = new Map<string, Record<string, unknown>>();
  let implicitConditions = 0;
  let ignored = 0;
  let counter = 0;
  const nextId = (): string => `step_${++counter}`;
  const bySystem = new Map(catalog.map((entry) => [entry.name, entry.system]));
  let previousSystem: string | null = startSystem;

  /** A delay, wait, http step or approval request the clause asks for, or null when it needs a tool or agent. */
  const builtinStep = (
    clause: ActionClause,
    base: Record<string, unknown>,
    dataFrom: string | undefined,
  ): Record<string, unknown> | null => {
    const lower = clause.text.toLowerCase();
    if (clause.verb === 'wait' || clause.verb === 'pause') {
      const ms = durationMs(clause.text);
      if (ms !== undefined) return { ...base, type: 'delay', durationMs: ms };
    }
    if (asksApproval(clause, lower) && approvalTools(clause, catalog, previousSystem).length === 0) {
      return { ...base, type: 'wait', signal: 'approval' };
    }
    if (clause.verb === 'wait' || clause.verb === 'pause') {
      const what = headNoun(clause);
      return { ...base, type: 'wait', signal: what === undefined ? 'continue' : slug(what, 'signal') };
    }
    const url = /https?:\/\/[^\s,;]+[^\s,;.)]/.exec(clause.text)?.[0];
    if (url !== undefined) {
      const method = clause.verb !== null && FETCH_VERBS.has(clause.verb) ? 'GET' : 'POST';
      const body = method === 'POST' && dataFrom !== undefined ? { body: `\${${dataFrom}.output}` } : {};
      return { ...base, type: 'http', request: { method, url, ...body } };
    }
    return null;
  };

  /** The step for a clause: a built-in, or an agent step on `outcome` (the clause's match unless given). */
  const actionStep = (clause: ActionClause, dependsOn: string[], dataFrom: string | undefined, given?: MatchOutcome): Planned | null => {
    const id = nextId();
    const name = capitalize(clause.text).slice(0, 200);
    const base = { id, type: 'agent', name, dependsOn };
    const builtin = given === undefined ? builtinStep(clause, base, dataFrom) : null;
    if (builtin !== null) {
      return {
        id,
        step: builtin,
        match: { stepId: id, text: clause.text, kind: 'builtin', target: null, score: 0, ambiguousWith: [] },
        quality: QUALITY.strong,
      };
    }
    const { best, rivals } = given ?? matchClause(clause, catalog, { previousSystem });
    // A clause without a verb names a tool outright or says nothing to do ("Tickets. Customers.").
    if (clause.verb === null && (best === null || !namesEntry(clause.text, best.entry))) {
      counter--;
      ignored++;
      notes.push(`ignored "${clause.text}": no actionable verb and no tool or agent named`);
      return null;
    }
    const input: Record<string, unknown> = {
      ...(dataFrom === undefined ? {} : { input: `\${${dataFrom}.output}` }),
      ...clauseParameters(clause),
    };
    if (best === null && reshapesData(clause) && !namesAnySystem(clause, catalog)) return transformStep(clause, base, dataFrom);
    if (best === null) {
      const head = headNoun(clause);
      const agent = slug(
        head === undefined || stem(head) === stem(clause.verb ?? '') ? (clause.verb ?? '') : `${clause.verb} ${head}`,
        'action',
      );
      notes.push(`no available tool or registered agent matches "${clause.text}"; used a placeholder agent "${agent}"`);
      return {
        id,
        step: { ...base, input, agent },
        match: { stepId: id, text: clause.text, kind: 'unknown', target: null, score: 0, ambiguousWith: [] },
        quality: QUALITY.unknown,
      };
    }
    const entry = best.entry;
    const operation = entry.kind === 'tool' && entry.name.includes('.') ? entry.name.slice(entry.name.lastIndexOf('.') + 1) : undefined;
    const ambiguousWith = rivals.map((r) => r.entry.name);
    if (ambiguousWith.length > 0) {
      notes.push(
        `"${clause.text}" matches ${[entry.name, ...ambiguousWith].map((n) => `"${n}"`).join(' and ')} about equally (within ${AMBIGUITY_MARGIN}); chose "${entry.name}"`,
      );
    }
    return {
      id,
      step: { ...base, input, agent: entry.name, ...(operation ? { action: operation } : {}) },
      match: { stepId: id, text: clause.text, kind: entry.kind, target: entry.name, score: best.score, ambiguousWith },
      quality: ambiguousWith.length > 0 ? QUALITY.ambiguous : best.score >= STRONG ? QUALITY.strong : QUALITY.weak,
    };
  };

  /** Whether a read matched only through the trigger's system (it does not name it): the event already carries what it reads. */
  const broughtByTrigger = (text: string, match: MatchOutcome): boolean => {
    const entry = match.best?.entry;
    if (startSystem === null || entry === undefined || entry.system !== startSystem) return false;
    if (entry.opVerb !== null && !readsData(entry.opVerb)) return false;
    const said = [...words(text), ...impliedWords(text)];
    if (namesEntry(text, entry) || systemScore(said, entry) >= 1) return false;
    // The same thing as the event's ("the signed change order" after "a change order is approved"), or a pronoun for it;
    // "the failing job's log" after "a run fails" is something else, read from the same system.
    const objects = contentWords(words(text).slice(1)).filter((w) => !WEAK_WORDS.has(stem(w)) && !(/(?:ing|ed)$/.test(w) && w.length > 5));
    const event = new Set(words(trigger ?? '').map(stem));
    return objects.length === 0 || objects.some((w) => event.has(stem(w)));
  };

  /** "dedupe it by SKU" with no tool for it: a JSONata transform of the data so far (transform.ts). */
  const transformStep = (clause: ActionClause, base: Record<string, unknown>, dataFrom: string | undefined): Planned => {
    const draft = draftTransform(clause);
    if (!draft.drafted) notes.push(`"${clause.text}" became a transform step that passes its input through: write its JSONata expression`);
    const id = String(base.id);
    return {
      id,
      step: {
        ...base,
        type: 'transform',
        expression: draft.expression,
        ...(dataFrom === undefined ? {} : { input: `\${${dataFrom}.output}` }),
      },
      match: { stepId: id, text: clause.text, kind: 'builtin', target: null, score: 0, ambiguousWith: [] },
      quality: draft.drafted ? QUALITY.strong : QUALITY.weak,
    };
  };

  /** The steps of one clause in order: what its phrases add before it (sources, producers), itself, then its destinations. */
  const clauseSteps = (clause: ActionClause, dependsOn: string[], dataFrom: string | undefined, between?: ActionClause): Planned[] => {
    const out: Planned[] = [];
    let deps = dependsOn;
    let data = dataFrom;
    const add = (planned: Planned | null): void => {
      if (planned === null) return;
      out.push(planned);
      deps = [planned.id];
      if (planned.step.type !== 'delay' && planned.step.type !== 'wait') data = planned.id;
      const system = planned.match.target === null ? undefined : bySystem.get(planned.match.target);
      if (system !== undefined) previousSystem = system;
    };
    if (builtinStep(clause, {}, dataFrom) !== null) {
      add(actionStep(clause, deps, data));
      return out;
    }
    const approvals = approvalTools(clause, catalog, previousSystem);
    if (approvals.length > 0) {
      const [first, ...others] = approvals;
      add(
        actionStep(clause, deps, data, {
          best: { entry: first as CatalogEntry, score: STRONG },
          rivals: others.map((entry) => ({ entry, score: STRONG })),
        }),
      );
      return out;
    }
    const expansion = expandClause(clause, catalog, { previousSystem });
    // "Copy the events into BigQuery, but strip out the IPs first": after the read, before the write.
    const inBetween = (): void => {
      if (between !== undefined) for (const planned of clauseSteps(between, deps, data)) add(planned);
    };
    if (expansion.before.length === 0) inBetween();
    for (const sub of expansion.before) {
      // "When a change order is approved in Procore, … email the subcontractor the signed change order": the event brought it.
      if (broughtByTrigger(sub.text, sub.match)) notes.push(`"${sub.text}": the trigger's event brings it, so it is not read again`);
      else add(actionStep(makeClause(sub.text), deps, data, sub.match));
    }
    if (expansion.before.length > 0) inBetween();
    // "Each time Dexcom sends a new reading, check it: if …": looking at what the event brought is no step.
    if (
      expansion.main !== null &&
      /^(?:check|look\s+at|inspect|examine)\s+(?:it|them)$/i.test(clause.text) &&
      broughtByTrigger(clause.text, expansion.main)
    ) {
      return out;
    }
    if (expansion.main !== null) {
      add(actionStep(expansion.mainText === undefined ? clause : makeClause(expansion.mainText), deps, data, expansion.main));
      // "dedupe the contacts in HubSpot by email" with only a HubSpot read: read them, then reshape them.
      const read = expansion.main.best?.entry;
      if (read !== undefined && clause.verb !== null && RESHAPING_VERBS.has(clause.verb) && readsOnly(read, clause.verb)) {
        add(transformStep(clause, { id: nextId(), type: 'agent', name: capitalize(clause.text).slice(0, 200), dependsOn: deps }, data));
      }
    } else notes.push(`"${clause.text}" reads from one system and writes to another: one step for each`);
    for (const sub of expansion.after) add(actionStep(makeClause(sub.text), deps, data, sub.match));
    return out;
  };

  const commit = (planned: Planned): void => {
    steps.push(planned.step);
    matches.push(planned.match);
    qualities.push(planned.quality);
  };

  /** Emits blocks after `frontier`; returns the first step emitted, the new frontier and the step whose output is current. */
  const emit = (
    blocks: readonly Block[],
    start: string[],
    startData: string | undefined,
    nested = false,
  ): { first?: string; frontier: string[]; data: string | undefined } => {
    let frontier = start;
    let data = startData;
    let first: string | undefined;
    // What a test right after a wait reads ("get it approved; if approved, pay it"): the signal it received.
    let waited: string | undefined;
    // The test before, when this one follows it directly: both read the same data ("if over 1000 …; if under 100 …").
    let previous: { text: string; data: string | undefined } | undefined;
    for (const [index, block] of blocks.entries()) {
      const following = blocks[index + 1];
      if (block.kind === 'action' && block.movedBefore === true && following?.kind === 'action') continue;
      if (block.kind === 'action') {
        const moved = blocks[index - 1];
        const between = moved?.kind === 'action' && moved.movedBefore === true ? moved.clause : undefined;
        const planned = clauseSteps(block.clause, frontier, data, between);
        for (const one of planned) {
          commit(one);
          first ??= one.id;
          frontier = [one.id];
          if (one.step.type !== 'delay' && one.step.type !== 'wait') data = one.id;
          waited = one.step.type === 'wait' ? one.id : undefined;
        }
        if (planned.length > 0 && !nested) summary.push(block.clause.text);
        previous = undefined;
        continue;
      }
      const tested = previous?.data ?? waited ?? data;
      const text = previous === undefined ? block.text : completeTest(previous.text, block.text);
      const id = conditionStep(text === block.text ? block : { ...block, text }, frontier, tested, nested);
      previous = { text, data: tested };
      waited = undefined;
      first ??= id;
      const step = steps[steps.length - 1] as Record<string, unknown>;
      const yes = emit(block.onTrue, [id], data, true);
      const no = emit(block.onFalse, [id], data, true);
      step.onTrue = yes.first === undefined ? [] : [yes.first];
      step.onFalse = no.first === undefined ? [] : [no.first];
      if (yes.first === undefined && no.first === undefined) {
        conditionIssues.push({
          path: 'steps',
          stepId: id,
          message: `the condition "${block.text}" has no action to run: say what to do when it holds`,
        });
      }
      frontier = [id, ...(yes.first === undefined ? [] : yes.frontier), ...(no.first === undefined ? [] : no.frontier)];
      if (yes.first !== undefined) data = yes.data;
    }
    return { first, frontier, data };
  };

  /** Adds the condition step of a block; its branches are wired by the caller. */
  const conditionStep = (
    block: Extract<Block, { kind: 'condition' }>,
    dependsOn: string[],
    data: string | undefined,
    nested: boolean,
  ): string => {
    const reading = negate(readCondition(block.text), block.negated === true);
    if (!reading.explicit) {
      implicitConditions++;
      notes.push(`could not read a comparison in "${block.text}"; the condition tests whether "${reading.field}" is truthy`);
    }
    const id = nextId();
    let value: string;
    if (data !== undefined) value = `\${${data}.output.${reading.field}}`;
    else {
      value = `\${workflow.input.${reading.field}}`;
      if (!inputs.has(reading.field)) {
        const type =
          typeof reading.compareTo === 'number'
            ? 'number'
            : typeof reading.compareTo === 'boolean'
              ? 'boolean'
              : typeof reading.compareTo === 'string'
                ? 'string'
                : 'json';
        inputs.set(reading.field, { name: reading.field, type, description: `Read by the condition "${block.text}"` });
      }
    }
    const condition = { value, operator: reading.operator, ...(reading.compareTo === undefined ? {} : { compareTo: reading.compareTo }) };
    steps.push({
      id,
      type: 'condition',
      name: capitalize(`check whether ${block.negated ? 'not ' : ''}${block.text}`).slice(0, 200),
      dependsOn,
      condition,
      onTrue: [],
      onFalse: [],
    });
    matches.push({ stepId: id, text: block.text, kind: 'condition', target: null, score: 0, ambiguousWith: [] });
    const thenText = describe(block.onTrue);
    const elseText = describe(block.onFalse);
    if (!nested)
      summary.push(
        `if ${block.negated ? 'not ' : ''}${block.text}, ${thenText || 'do nothing'}${elseText ? `, otherwise ${elseText}` : ''}`,
      );
    return id;
  };

  const summary: string[] = [];
  const conditionIssues: Issue[] = [];
  emit(seg.blocks, [], undefined);
  for (const fragment of seg.ignored) {
    ignored++;
    notes.push(`ignored "${fragment.text}": ${fragment.reason}`);
  }

  const issues: Issue[] = [...conditionIssues];
  if (steps.length === 0) {
    issues.push({
      path: 'steps',
      message:
        'no actionable step found in the instruction: say what to do with a verb, e.g. "pull the sales data, then email it to the team"',
    });
  }
  const candidate: Built['candidate'] = { steps, ...(inputs.size > 0 ? { inputs: [...inputs.values()] } : {}) };
  return {
    candidate,
    matches,
    qualities,
    notes,
    issues,
    implicitConditions,
    ignored,
    name: workflowName(seg, schedule),
    description: workflowDescription(summary, schedule),
  };
}
