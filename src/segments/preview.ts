/**
 * A draft segment's size and members now, computed without changing anything: the
 * whole-population query (src/dsl/query.ts) over stored profiles and events, which needs no
 * facts, so a draft may count events no deployed rule counts yet. `in segment` reads the
 * stored members of deployed segments, and the draft's own results for draft segments.
 */
import { compileDraft } from '../dsl/draft.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import { findMatchingProfileIds } from '../conditions/query.js';
import type { Stores } from '../store/index.js';
import { planOf } from './plan.js';

export interface PreviewedSegment {
  name: string;
  title?: string;
  size: number;
  /** Up to the sample size of members, by profile id. */
  sample: string[];
}

export type Preview = { diagnostics: Diagnostic[]; segments?: PreviewedSegment[] };

export async function previewSegments(stores: Stores, draft: string, sampleSize: number, now: Date): Promise<Preview> {
  const deployed = await stores.rules.active();
  const { ir, names, diagnostics } = compileDraft(deployed?.source ?? '', draft);
  if (!ir) return { diagnostics };
  const computed = new Map<string, ReadonlySet<string>>();
  const segmentMembers = async (segment: string): Promise<ReadonlySet<string>> => {
    const known = computed.get(segment);
    if (known) return known;
    const members = await storedMembers(stores, segment);
    computed.set(segment, members);
    return members;
  };
  const previewed: PreviewedSegment[] = [];
  // Draft segments in dependency order, each available to the next.
  for (const segment of planOf(ir).segments.filter((planned) => names.includes(planned.name))) {
    const members = await findMatchingProfileIds(stores.population, segment.condition, now, { segmentMembers });
    computed.set(segment.name, members);
    previewed.push({
      name: segment.name,
      ...(segment.title === undefined ? {} : { title: segment.title }),
      size: members.size,
      sample: [...members].sort().slice(0, sampleSize),
    });
  }
  return { diagnostics, segments: previewed };
}

/** A deployed segment's members as stored, for `in segment` in a draft's whole-population query. */
export async function storedMembers(stores: Pick<Stores, 'segmentMembers'>, segment: string): Promise<ReadonlySet<string>> {
  const members = new Set<string>();
  for await (const { profileId } of stores.segmentMembers.all(segment)) members.add(profileId);
  return members;
}
