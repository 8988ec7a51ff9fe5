/**
 * The summary before a deploy: the draft beside the active version as a diff, the
 * segments, journeys and consents it adds, changes and removes with their figures (sizes
 * now and as the draft would have them, runs still going on the old versions), and the
 * warnings (missing templates and destinations, names the data has never shown, the
 * compiler's). Nothing is stored.
 *
 * The preview sizes are the expensive part: each is the whole-population query over the
 * stored profiles and events, which FerretDB answers by scanning them (measured on two
 * cores with 100,000 profiles and 1,000,000 events: 8.5 s for a trait condition, 154 s for
 * a windowed sum of an event's property). So only the segments the draft changes or adds
 * are previewed, changed ones first, one after the other, at most MAX_PREVIEWED, and the
 * summary waits for them at most PREVIEW_BUDGET_MS: the others answer `previewSize: null`
 * and a `preview_limited` warning naming them (POST /v1/segments/preview sizes one on
 * demand). A query cut off by the budget is abandoned, not cancelled: the database finishes
 * it unread. A segment they refer to that the draft also changes is computed once.
 */
import { compile, parseProgram } from '../dsl/index.js';
import type { ProgramIR } from '../dsl/ir.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import { findMatchingProfileIds } from '../conditions/query.js';
import type { Stores } from '../store/index.js';
import { planOf } from '../segments/plan.js';
import { storedMembers } from '../segments/preview.js';
import { textDiff, type DiffHunk } from '../util/text-diff.js';
import { compilerWarnings, deployWarnings, type DeployWarning } from './deploy-warnings.js';
import { rulesChanges, type ChangesOf, type Named } from './rules-changes.js';

/** At most this many segments are previewed per summary; the rest answer `previewSize: null` and a warning. */
export const MAX_PREVIEWED = 5;
/** The longest the summary waits for previews: the deploy dialog is waiting. */
export const PREVIEW_BUDGET_MS = 10_000;

export interface DeploySummary {
  /** False when the draft has errors: it would be refused, and nothing but the diff is summarised. */
  ok: boolean;
  diagnostics: Diagnostic[];
  activeVersion: number | null;
  patch: string;
  hunks: DiffHunk[];
  segments: {
    added: (Named & { previewSize: number | null })[];
    changed: (Named & { previewSize: number | null; currentSize: number })[];
    removed: (Named & { currentSize: number })[];
  };
  journeys: {
    added: Named[];
    changed: (Named & { runningOnOldVersions: number })[];
    removed: (Named & { runningOnOldVersions: number })[];
  };
  consents: ChangesOf<Named>;
  warnings: DeployWarning[];
}

const nothing = () => ({ added: [], changed: [], removed: [] });

export async function deploySummary(stores: Stores, draft: string, now: Date): Promise<DeploySummary> {
  const active = await stores.rules.active();
  const activeVersion = active?._id ?? null;
  const { patch, hunks } = textDiff(activeVersion === null ? 'none' : `v${activeVersion}`, 'draft', active?.source ?? '', draft);
  const { ir, diagnostics } = compile(draft);
  if (!ir)
    return {
      ok: false,
      diagnostics,
      activeVersion,
      patch,
      hunks,
      segments: nothing(),
      journeys: nothing(),
      consents: nothing(),
      warnings: [],
    };

  const changes = rulesChanges(active?.ir, ir);
  const redefined = [...changes.segments.changed, ...changes.segments.added].map(({ name }) => name);
  const [catalog, previewed, running, targetsAndData] = await Promise.all([
    stores.segments.all().then((docs) => new Map(docs.map((doc) => [doc._id, doc.size]))),
    previewSizes(stores, ir, redefined, now),
    stores.journeyStats.list().then(runningPerJourney),
    // The AST again (compile keeps only the IR): the data's warnings point into the source.
    deployWarnings(stores, parseProgram(draft).program, ir),
  ]);
  const currentSize = (name: string) => catalog.get(name) ?? 0;
  const previewSize = (name: string) => previewed.get(name) ?? null;
  const skipped = redefined.filter((name) => !previewed.has(name));
  const limited: DeployWarning[] =
    skipped.length > 0
      ? [
          {
            code: 'preview_limited',
            message: `not previewed, to keep the summary quick (at most ${MAX_PREVIEWED} segments, ${PREVIEW_BUDGET_MS / 1000} s): ${skipped.join(', ')}; POST /v1/segments/preview sizes them`,
          },
        ]
      : [];
  const runningOf = (name: string) => running.get(name) ?? 0;
  return {
    ok: true,
    diagnostics,
    activeVersion,
    patch,
    hunks,
    segments: {
      added: changes.segments.added.map((segment) => ({ ...segment, previewSize: previewSize(segment.name) })),
      changed: changes.segments.changed.map((segment) => ({
        ...segment,
        previewSize: previewSize(segment.name),
        currentSize: currentSize(segment.name),
      })),
      removed: changes.segments.removed.map((segment) => ({ ...segment, currentSize: currentSize(segment.name) })),
    },
    journeys: {
      added: changes.journeys.added,
      changed: changes.journeys.changed.map((journey) => ({ ...journey, runningOnOldVersions: runningOf(journey.name) })),
      removed: changes.journeys.removed.map((journey) => ({ ...journey, runningOnOldVersions: runningOf(journey.name) })),
    },
    consents: changes.consents,
    warnings: [...targetsAndData, ...compilerWarnings(diagnostics), ...limited],
  };
}

/**
 * Sizes of the `redefined` segments (added or changed) as the draft would have them now,
 * within the budget. `in segment` reads the stored members of a segment the draft keeps as
 * it is, and the draft's own answer for one it redefines, computed once however many refer to it.
 */
async function previewSizes(stores: Stores, ir: ProgramIR, redefined: readonly string[], now: Date): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (redefined.length === 0) return sizes;
  const plan = planOf(ir);
  // The database stops a query nobody waits for any more: the previews run one after another,
  // so at most one goes on past the budget, and for at most the budget again.
  const population = stores.population.within(PREVIEW_BUDGET_MS);
  const members = new Map<string, Promise<ReadonlySet<string>>>();
  const segmentMembers = (name: string): Promise<ReadonlySet<string>> => {
    let found = members.get(name);
    if (!found) {
      found = redefined.includes(name)
        ? findMatchingProfileIds(population, plan.byName.get(name)!.condition, now, { segmentMembers })
        : storedMembers(stores, name);
      members.set(name, found);
    }
    return found;
  };
  const outOfTime = deadline(PREVIEW_BUDGET_MS);
  try {
    for (const name of redefined) {
      // One already computed for another that refers to it costs nothing more.
      if (!members.has(name) && sizes.size >= MAX_PREVIEWED) continue;
      const work = segmentMembers(name);
      // Past the deadline nobody reads it: its failure then must not surface as unhandled.
      work.catch(() => undefined);
      const found = await Promise.race([work, outOfTime.reached]);
      if (found === undefined) break;
      sizes.set(name, found.size);
    }
  } finally {
    outOfTime.clear();
  }
  return sizes;
}

function deadline(ms: number): { reached: Promise<undefined>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const reached = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return { reached, clear: () => clearTimeout(timer) };
}

/** Runs not yet ended, per journey, over every deployed version: after the deploy all of them are old. */
function runningPerJourney(stats: readonly { journey: string; entered?: number; ended?: Record<string, number> }[]): Map<string, number> {
  const running = new Map<string, number>();
  for (const doc of stats) {
    const ended = Object.values(doc.ended ?? {}).reduce((total, n) => total + n, 0);
    running.set(doc.journey, (running.get(doc.journey) ?? 0) + Math.max(0, (doc.entered ?? 0) - ended));
  }
  return running;
}
