/**
 * Copies people's pending segment changes to where they are read: each person's history,
 * the member lists, the sizes, the hourly stats, and journeys (runs start from entries).
 *
 * Copies are gathered (src/util/gathered.ts): while one is being written, the changes
 * handed in meanwhile (by the other people of a writer's round, or of a recompute's chunk)
 * wait and are written together next, so a segment's size and its hour's stats take one
 * increment for all of them instead of one each.
 *
 * This process remembers what it copied (a bounded set of ids): a change is copied once,
 * and the profile's next write drops it. After a restart the profile's pending changes
 * (those of its last write) are copied again: the history keeps one of each, the member
 * list ends as the last change says, and a size or a stat moves only when the member
 * list did. Replaying several changes of one person out of a crash, or dying between a
 * member list's write and its size's, can leave a size and the stats off by those
 * changes (docs/segments.md: sizes are never counted over, which would lose live entries).
 * A failed copy fails every caller it gathered; each retries (the sweeper, an activity's
 * retry).
 */
import type { SegmentChange } from '../model.js';
import type { Stores } from '../store/index.js';
import { Gathered } from '../util/gathered.js';
import { forEachInParallel } from '../util/in-parallel.js';

/** Changes copied to journeys, once per change id. */
export interface SegmentChangeListener {
  segmentsChanged(changes: readonly SegmentChange[]): Promise<void>;
}

/** Member lists written at once: the embedded database's pool size. */
const MEMBER_WRITERS = 8;

/** A change's place among its person's changes (`<profileId>:<n>`). */
function sequenceOf(change: SegmentChange): number {
  return Number(change._id.slice(change._id.lastIndexOf(':') + 1));
}

export class SegmentChangeCopier {
  /** Ids of changes this process has copied (bounded: forgetting one only means copying it again). */
  private readonly copied = new RecentIds(100_000);
  private readonly gathered = new Gathered<SegmentChange>((changes) => this.write(changes));

  constructor(
    private readonly stores: Stores,
    private readonly listener?: SegmentChangeListener,
  ) {}

  hasCopied(changeId: string): boolean {
    return this.copied.has(changeId);
  }

  /** Resolves once these changes are copied, with whatever was gathered beside them. */
  copy(all: readonly SegmentChange[]): Promise<void> {
    return this.gathered.add(all.filter((change) => !this.copied.has(change._id)));
  }

  private async write(gathered: readonly SegmentChange[]): Promise<void> {
    const { stores } = this;
    // Two refreshes of one person may hand in the same pending change.
    const changes = [...new Map(gathered.filter((change) => !this.copied.has(change._id)).map((change) => [change._id, change])).values()];
    if (changes.length === 0) return;
    await stores.segmentHistory.append(changes.filter((change) => change.reason.kind !== 'erasure'));

    // A person's one change to a segment goes with the others of its bucket, in one write
    // each; several changes of one person to one segment are applied one by one, in order.
    const byMember = new Map<string, SegmentChange[]>();
    for (const change of changes) {
      const key = `${change.segment}\n${change.profileId}`;
      byMember.set(key, [...(byMember.get(key) ?? []), change]);
    }
    const single = [...byMember.values()].filter((ofMember) => ofMember.length === 1).map(([change]) => change!);
    const moves = single.map(({ segment, profileId, change, at }) => ({ segment, profileId, change, since: at }));
    const movedSingle = await stores.segmentMembers.moveMany(moves);
    const moved = single.filter((_, index) => movedSingle[index]);
    const several = [...byMember.values()].filter((ofMember) => ofMember.length > 1);
    await forEachInParallel(several, MEMBER_WRITERS, async (ofMember) => {
      for (const change of ofMember.sort((a, b) => sequenceOf(a) - sequenceOf(b))) {
        const didMove =
          change.change === 'entered'
            ? await stores.segmentMembers.add(change.segment, change.profileId, change.at)
            : await stores.segmentMembers.remove(change.segment, change.profileId);
        if (didMove) moved.push(change);
      }
    });

    const sizes = new Map<string, number>();
    const stats = new Map<string, { segment: string; change: SegmentChange['change']; at: Date; count: number }>();
    for (const change of moved) {
      sizes.set(change.segment, (sizes.get(change.segment) ?? 0) + (change.change === 'entered' ? 1 : -1));
      const key = `${change.segment} ${change.change} ${change.at.toISOString().slice(0, 13)}`;
      const stat = stats.get(key) ?? { segment: change.segment, change: change.change, at: change.at, count: 0 };
      stat.count += 1;
      stats.set(key, stat);
    }
    for (const [segment, by] of sizes) if (by !== 0) await stores.segments.addToSize(segment, by);
    for (const { segment, change, at, count } of stats.values()) await stores.segmentStats.record(segment, change, at, count);

    // Last: should starting a run fail (Temporal unreachable), the changes stay pending and the retry copies them again.
    await this.listener?.segmentsChanged(changes);
    for (const change of changes) this.copied.add(change._id);
  }
}

/** A set that keeps only the most recently added ids. */
class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly limit: number) {}

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value!);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}
