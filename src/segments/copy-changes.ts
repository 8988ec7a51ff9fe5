/**
 * Copies a person's pending segment changes to where they are read: the person's history,
 * the member lists, the sizes, the hourly stats, and journeys (runs start from entries).
 *
 * This process remembers what it copied (a bounded set of ids): a change is copied once,
 * and the profile's next write drops it. After a restart the profile's pending changes
 * (those of its last write) are copied again: the history keeps one of each, the member
 * list ends as the last change says, and a size or a stat moves only when the member
 * list did. Replaying several changes of one person out of a crash, or dying between a
 * member list's write and its size's, can leave a size and the stats off by those
 * changes (docs/segments.md: sizes are never counted over, which would lose live entries).
 */
import type { SegmentChange } from '../model.js';
import type { Stores } from '../store/index.js';

/** Changes copied to journeys, once per change id. */
export interface SegmentChangeListener {
  segmentsChanged(changes: readonly SegmentChange[]): Promise<void>;
}

export class SegmentChangeCopier {
  /** Ids of changes this process has copied (bounded: forgetting one only means copying it again). */
  private readonly copied = new RecentIds(100_000);

  constructor(
    private readonly stores: Stores,
    private readonly listener?: SegmentChangeListener,
  ) {}

  hasCopied(changeId: string): boolean {
    return this.copied.has(changeId);
  }

  async copy(all: readonly SegmentChange[]): Promise<void> {
    const { stores } = this;
    const changes = all.filter((change) => !this.copied.has(change._id));
    await stores.segmentHistory.append(changes.filter((change) => change.reason.kind !== 'erasure'));
    const moves = new Map<string, { segment: string; change: SegmentChange['change']; at: Date; count: number }>();
    for (const change of changes) {
      const moved =
        change.change === 'entered'
          ? await stores.segmentMembers.add(change.segment, change.profileId, change.at)
          : await stores.segmentMembers.remove(change.segment, change.profileId);
      if (!moved) continue;
      const key = `${change.segment} ${change.change} ${change.at.toISOString().slice(0, 13)}`;
      const move = moves.get(key) ?? { segment: change.segment, change: change.change, at: change.at, count: 0 };
      move.count += 1;
      moves.set(key, move);
    }
    for (const { segment, change, at, count } of moves.values()) {
      await stores.segments.addToSize(segment, change === 'entered' ? count : -count);
      await stores.segmentStats.record(segment, change, at, count);
    }
    // Last: should starting a run fail (Temporal unreachable), the changes stay pending and the retry copies them again.
    if (changes.length > 0) await this.listener?.segmentsChanged(changes);
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
