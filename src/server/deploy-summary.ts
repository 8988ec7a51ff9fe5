/**
 * The summary before a deploy: the draft beside the active version as a diff, the
 * segments, journeys and consents it adds, changes and removes with their figures (sizes
 * now and as the draft would have them, runs still going on the old versions), and the
 * warnings. Nothing is stored.
 *
 * The preview sizes are the expensive part: each is the whole-population query over the
 * stored profiles and events (on FerretDB a scan of the events, seconds at a million), so
 * only the segments the draft adds or changes are previewed, at most MAX_PREVIEWED of them
 * (and whatever added or changed segments those refer to), each computed once.
 */
import { compile } from '../dsl/index.js';
import type { ConditionIR, ProgramIR } from '../dsl/ir.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import { findMatchingProfileIds } from '../dsl/query.js';
import type { Stores } from '../store/index.js';
import { planOf } from '../segments/plan.js';
import { textDiff, type DiffHunk } from '../util/text-diff.js';
import { compilerWarnings, missingTargets, type DeployWarning } from './deploy-warnings.js';
import { rulesChanges, type ChangesOf, type Named } from './rules-changes.js';

/** Segments previewed per summary; the rest answer `previewSize: null` and a warning. */
export const MAX_PREVIEWED = 10;

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
  if (!ir) return { ok: false, diagnostics, activeVersion, patch, hunks, segments: nothing(), journeys: nothing(), consents: nothing(), warnings: [] };

  const changes = rulesChanges(active?.ir, ir);
  const toPreview = [...changes.segments.added, ...changes.segments.changed].map(({ name }) => name).slice(0, MAX_PREVIEWED);
  const [catalog, previewed, running, missing] = await Promise.all([
    stores.segments.all().then((docs) => new Map(docs.map((doc) => [doc._id, doc.size]))),
    previewSizes(stores, ir, new Set([...changes.segments.added, ...changes.segments.changed].map(({ name }) => name)), toPreview, now),
    stores.journeyStats.list().then(runningPerJourney),
    missingTargets(stores, ir),
  ]);
  const currentSize = (name: string) => catalog.get(name) ?? 0;
  const previewSize = (name: string) => previewed.get(name) ?? null;
  const skipped = changes.segments.added.length + changes.segments.changed.length - toPreview.length;
  const limited: DeployWarning[] = skipped > 0
    ? [{ code: 'preview_limited', message: `${skipped} more added or changed segments are not previewed (at most ${MAX_PREVIEWED} per summary); POST /v1/segments/preview sizes them` }]
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
      changed: changes.segments.changed.map((segment) => ({ ...segment, previewSize: previewSize(segment.name), currentSize: currentSize(segment.name) })),
      removed: changes.segments.removed.map((segment) => ({ ...segment, currentSize: currentSize(segment.name) })),
    },
    journeys: {
      added: changes.journeys.added,
      changed: changes.journeys.changed.map((journey) => ({ ...journey, runningOnOldVersions: runningOf(journey.name) })),
      removed: changes.journeys.removed.map((journey) => ({ ...journey, runningOnOldVersions: runningOf(journey.name) })),
    },
    consents: changes.consents,
    warnings: [...missing, ...compilerWarnings(diagnostics), ...limited],
  };
}

/**
 * Sizes of `names` as the draft would have them now. `in segment` reads the stored members
 * of a segment the draft keeps as it is, and the draft's own answer for one it adds or
 * changes (`redefined`), computed once however many segments refer to it.
 */
async function previewSizes(stores: Stores, ir: ProgramIR, redefined: ReadonlySet<string>, names: readonly string[], now: Date): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const plan = planOf(ir);
  const conditionOf = (name: string): ConditionIR => plan.byName.get(name)!.condition;
  const members = new Map<string, Promise<ReadonlySet<string>>>();
  const segmentMembers = (name: string): Promise<ReadonlySet<string>> => {
    let found = members.get(name);
    if (!found) {
      found = redefined.has(name) ? findMatchingProfileIds(stores.population, conditionOf(name), now, { segmentMembers }) : storedMembers(stores, name);
      members.set(name, found);
    }
    return found;
  };
  const sizes = new Map<string, number>();
  for (const name of names) sizes.set(name, (await segmentMembers(name)).size);
  return sizes;
}

async function storedMembers(stores: Stores, segment: string): Promise<ReadonlySet<string>> {
  const members = new Set<string>();
  for await (const { profileId } of stores.segmentMembers.all(segment)) members.add(profileId);
  return members;
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
