/**
 * A person's own share of a backfill (src/segments/own-backfill.ts): the fact of their
 * events received up to the cutoff, the same fact the deploy's backfill folds from the same
 * events, computed again only when it may have missed some.
 */
import { describe, expect, it } from 'vitest';
import type { ProfileDoc } from '../../src/model.js';
import { foldEvent, mergeFacts, type Fact } from '../../src/segments/facts.js';
import type { Leaf } from '../../src/segments/leaves.js';
import { foldShares, sharesDue, type ComputingLeaf } from '../../src/segments/own-backfill.js';
import { backfillField, type FoldedEvent } from '../../src/segments/person-facts.js';

const now = new Date('2026-12-07T12:00:00Z');
const cutoffMs = now.getTime() - 1_000;
const count: ComputingLeaf = { key: 'count', leaf: { kind: 'count', event: 'Buy' }, cutoffMs };
const recent: ComputingLeaf = { key: 'recent', leaf: { kind: 'recent', event: 'Buy', withinMs: 3_600_000, keep: 3 }, cutoffMs };
const sum: ComputingLeaf = {
  key: 'sum',
  leaf: { kind: 'window', event: 'Buy', property: 'revenue', withinMs: 3_600_000, keeps: 'all' },
  cutoffMs,
};

const buy = (id: string, receivedAgoMs: number, revenue = 10): FoldedEvent => ({
  _id: id,
  type: 'track',
  event: 'Buy',
  properties: { revenue },
  timestamp: new Date(now.getTime() - receivedAgoMs),
  receivedAt: new Date(now.getTime() - receivedAgoMs),
});

/** What the deploy's backfill folds for one person: each event up to the cutoff, in the order read. */
function backfillOf(leaf: Leaf, events: readonly FoldedEvent[]): Fact | undefined {
  let fact: Fact | undefined;
  for (const event of events) if (event.receivedAt.getTime() <= cutoffMs) fact = foldEvent(leaf, fact, event, now) ?? fact;
  return fact;
}

describe("a person's own share of the backfill", () => {
  const events = [buy('a', 60_000, 10), buy('b', 5_000, 20), buy('c', 500, 40), { ...buy('d', 100), event: 'View' }];

  it('is the fact the backfill folds from the same events, those after the cutoff left to the live path', () => {
    const shares = foldShares([count, recent, sum], events, now);
    expect(shares[backfillField('count', cutoffMs)]).toEqual({ n: 2 });
    for (const { key, leaf } of [count, recent, sum]) expect(shares[backfillField(key, cutoffMs)]).toEqual(backfillOf(leaf, events));
    // Folded in the other order (as a scan may read them), the same fact.
    expect(foldShares([count, recent, sum], [...events].reverse(), now)).toEqual(shares);
  });

  it('is the empty fact for a person with no such event, and leaves out the events asked to', () => {
    const none = foldShares([count, sum], [], now);
    expect(none).toEqual({ [backfillField('count', cutoffMs)]: { n: 0 }, [backfillField('sum', cutoffMs)]: { e: [] } });
    expect(foldShares([count], events, now, new Set(['b']))[backfillField('count', cutoffMs)]).toEqual({ n: 1 });
    // Merged with the live part, the empty fact changes nothing.
    expect(mergeFacts(count.leaf, { n: 3 }, none[backfillField('count', cutoffMs)], now)).toEqual({ n: 3 });
  });

  it('is computed when missing, again for an event up to the cutoff or a merge, and not for later events', () => {
    const known = { segmentBackfill: { [backfillField('count', cutoffMs)]: { n: 1 } } } as unknown as ProfileDoc;
    const unknown = {} as ProfileDoc;
    const ask = (profile: ProfileDoc, events: FoldedEvent[], recompute = false, wanted = ['count']) =>
      sharesDue({ profile, computing: [count], wanted: new Set(wanted), events, recompute }).map((due) => due.key);
    expect(ask(unknown, [])).toEqual(['count']);
    expect(ask(unknown, [], false, [])).toEqual([]);
    expect(ask(known, [])).toEqual([]);
    expect(ask(known, [buy('late', 100)])).toEqual([]);
    expect(ask(known, [buy('early', 5_000)])).toEqual(['count']);
    expect(ask(known, [{ ...buy('other', 5_000), event: 'View' }])).toEqual([]);
    expect(ask(known, [], true)).toEqual(['count']);
  });
});
