/**
 * What a new rules version changes, by name: segments, journeys and consents added, changed
 * and removed. Pure: the deploy summary and the diff of two versions add figures to it.
 *
 * "Changed" means a different meaning, not different text: a segment changes when its
 * definition hash does (src/segments/plan.ts: its condition and every dependency's, so a
 * segment whose dependency changed has changed too; a new title alone is no change, its
 * members stay), a journey or a consent when its IR does (comments, spacing and order in
 * the text are no change).
 */
import type { ProgramIR } from '../dsl/ir.js';
import { canonicalJson } from '../segments/leaves.js';
import { planOf } from '../segments/plan.js';

export interface Named {
  name: string;
  title?: string;
}

export interface ChangesOf<T extends Named> {
  added: T[];
  changed: T[];
  removed: T[];
}

export interface RulesChanges {
  segments: ChangesOf<Named>;
  journeys: ChangesOf<Named>;
  consents: ChangesOf<Named>;
}

/** `before` absent: nothing is deployed yet, everything is added. */
export function rulesChanges(before: ProgramIR | undefined, after: ProgramIR): RulesChanges {
  const segmentDefs = (ir: ProgramIR | undefined) =>
    new Map((ir ? planOf(ir).segments : []).map((segment) => [segment.name, { named: named(segment), meaning: segment.def }]));
  const byJson = <T extends Named>(declared: readonly T[] | undefined) =>
    new Map((declared ?? []).map((declaration) => [declaration.name, { named: named(declaration), meaning: canonicalJson(declaration) }]));
  return {
    segments: compare(segmentDefs(before), segmentDefs(after)),
    journeys: compare(byJson(before?.journeys), byJson(after.journeys)),
    consents: compare(byJson(before?.consents), byJson(after.consents)),
  };
}

interface Meaning {
  named: Named;
  meaning: string;
}

/** In the order the new program declares them; removed ones in the old program's order. */
function compare(before: ReadonlyMap<string, Meaning>, after: ReadonlyMap<string, Meaning>): ChangesOf<Named> {
  const changes: ChangesOf<Named> = { added: [], changed: [], removed: [] };
  for (const [name, now] of after) {
    const was = before.get(name);
    if (!was) changes.added.push(now.named);
    else if (was.meaning !== now.meaning) changes.changed.push(now.named);
  }
  for (const [name, was] of before) if (!after.has(name)) changes.removed.push(was.named);
  return changes;
}

function named({ name, title }: Named): Named {
  return { name, ...(title === undefined ? {} : { title }) };
}
