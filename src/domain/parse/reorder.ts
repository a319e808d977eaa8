import type { Block } from './clauses.ts';
import { verbBase, words } from './text.ts';

/**
 * Sentences that say where they go among the ones before: "Post to #platform before you start."
 * (to the front), "Before the texts go out, remove the opted-out patients." and "Strip the names
 * before loading." (before the action they name, else before the last one). True when `sentence`
 * was placed.
 */
export function reorder(sentence: string, blocks: Block[], read: (text: string) => Block[]): boolean {
  const actions = blocks.flatMap((b, i) => (b.kind === 'action' ? [i] : []));
  // "If the freezer reads warmer than -15°C, text the manager; check it every 10 minutes.": the reading comes first.
  const last = blocks.at(-1);
  if (last?.kind === 'condition' && /^(?:check|monitor|poll|read|watch|measure|query)\s+(?:it|them|this|that)\b/i.test(sentence)) {
    blocks.splice(blocks.length - 1, 0, ...read(sentence));
    return true;
  }
  if (actions.length === 0) return false;
  const front = /^(.+?),?\s+before\s+(?:you\s+start|we\s+start|starting|beginning|anything\s+else|everything\s+else|all\s+else)$/i.exec(
    sentence,
  );
  if (front) {
    blocks.unshift(...read(front[1] ?? ''));
    return true;
  }
  const lead = /^before\s+([^,]+),\s*(.+)$/i.exec(sentence);
  const tail = /^(.+?)\s+before\s+(\w+ing)(?:\s+(?:it|them|the\s+\w+))?$/i.exec(sentence);
  const [what, when] = lead ? [lead[2] ?? '', lead[1] ?? ''] : tail ? [tail[1] ?? '', tail[2] ?? ''] : ['', ''];
  if (what === '') return false;
  // The action the event names ("the texts go out" → "text each patient"; "loading" → "load …"), else the last one.
  const named = words(when)
    .map((w) => verbBase(w))
    .filter((v): v is string => v !== undefined);
  const target =
    actions.find((i) => {
      const block = blocks[i];
      return block?.kind === 'action' && block.clause.verb !== null && named.includes(block.clause.verb);
    }) ?? actions.at(-1);
  if (target === undefined) return false;
  // "… before loading": it runs after what the load reads, just before it writes.
  const moved = read(what).map((b) => (b.kind === 'action' && tail !== null ? { ...b, movedBefore: true as const } : b));
  blocks.splice(target, 0, ...moved);
  return true;
}
