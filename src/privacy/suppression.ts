/**
 * Keeping the erased erased: a message carrying an identifier on the suppression list is
 * answered as usual (200, as Segment does) and dropped before anything is stored, and the
 * drop is counted on the entry.
 *
 * Each process holds the list in memory and reads one document per batch (the list's
 * generation) to know its copy is current; the list itself is read again only when it
 * moved. Every identifier of every message is checked in memory, whether or not the
 * identity graph knows it. A batch screened just before an erasure suppressed its
 * person can still link one of their identifiers; the erasure's `verify` step, run after
 * SUPPRESSION_SETTLE (src/workflows/erasure.ts), finds such a profile and erases it.
 */
import type { SegmentMessage } from '../tracking/segment-spec.js';
import { identifiersOf } from '../tracking/identifiers.js';
import type { IdentityRef } from '../profile/identifiers.js';
import type { Stores } from '../store/index.js';
import type { PrivacyKeys } from './keys.js';

export class SuppressionScreen {
  private generation = -1;
  private ids = new Set<string>();

  constructor(
    private readonly stores: Stores,
    private readonly keys: PrivacyKeys,
    private readonly externalIdKinds: readonly string[],
  ) {}

  /**
   * The messages to keep, in order; the dropped ones are counted on their entries. Reads
   * the generation once, the list only when it changed.
   */
  async screen<T extends SegmentMessage>(messages: readonly T[], now: Date): Promise<T[]> {
    const generation = await this.stores.suppressions.generation();
    if (generation !== this.generation) {
      this.ids = new Set(await this.stores.suppressions.ids());
      this.generation = generation;
    }
    if (this.ids.size === 0) return [...messages];
    const kept: T[] = [];
    const dropped = new Map<string, number>();
    for (const message of messages) {
      const hit = this.identifiersOf(message)
        .map((ref) => this.keys.suppressionId(ref))
        .find((id) => this.ids.has(id));
      if (hit === undefined) kept.push(message);
      else dropped.set(hit, (dropped.get(hit) ?? 0) + 1);
    }
    for (const [id, count] of dropped) await this.stores.suppressions.countDropped(id, count, now);
    return kept;
  }

  /** An alias's previous id may be either a user id or an anonymous id: both are checked. */
  private identifiersOf(message: SegmentMessage): IdentityRef[] {
    const refs = identifiersOf(message, this.externalIdKinds);
    if (message.type === 'alias') refs.push({ kind: 'userId', value: message.previousId });
    return refs;
  }
}
