import { describe, expect, it } from 'vitest';
import { MergedIncrements } from '../../src/store/merged-increments.js';

/** A write that stays in flight until released, so increments meeting it are forced, not hoped for. */
function heldWrites() {
  const writes: { id: string; inc: Record<string, number>; release: () => void; fail: (error: Error) => void }[] = [];
  const write = (id: string, inc: Record<string, number>) =>
    new Promise<void>((resolve, reject) => writes.push({ id, inc, release: resolve, fail: reject }));
  return { writes, write };
}

const settled = async (promise: Promise<void>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('MergedIncrements', () => {
  it('writes the first increment at once and merges those that arrive while it is in flight into one write', async () => {
    const { writes, write } = heldWrites();
    const counters = new MergedIncrements(write);
    const first = counters.add('vip', { size: 1 });
    expect(writes.map((w) => w.inc)).toEqual([{ size: 1 }]);
    const later = [
      counters.add('vip', { size: 1 }),
      counters.add('vip', { size: 1 }),
      counters.add('vip', { size: -1 }),
      counters.add('vip', { other: 2 }),
    ];
    expect(writes).toHaveLength(1);
    expect(await settled(first)).toBe('pending');
    writes[0]!.release();
    await first;
    expect(await settled(later[0]!)).toBe('pending');
    expect(writes.map((w) => w.inc)).toEqual([{ size: 1 }, { size: 1, other: 2 }]);
    writes[1]!.release();
    await Promise.all(later);
  });

  it('writes different documents alongside each other', () => {
    const { writes, write } = heldWrites();
    const counters = new MergedIncrements(write);
    void counters.add('a', { size: 1 });
    void counters.add('b', { size: 1 });
    expect(writes.map((w) => w.id)).toEqual(['a', 'b']);
  });

  it('fails only the callers whose increments were in the failed write, and goes on with the next', async () => {
    const { writes, write } = heldWrites();
    const counters = new MergedIncrements(write);
    const lost = counters.add('vip', { size: 1 });
    const next = counters.add('vip', { size: 5 });
    writes[0]!.fail(new Error('database down'));
    await expect(lost).rejects.toThrow('database down');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes[1]!.inc).toEqual({ size: 5 });
    writes[1]!.release();
    await expect(next).resolves.toBeUndefined();
  });

  it('skips a write whose increments cancel out, and settles its callers', async () => {
    const { writes, write } = heldWrites();
    const counters = new MergedIncrements(write);
    const first = counters.add('vip', { size: 1 });
    const entered = counters.add('vip', { size: 1 });
    const exited = counters.add('vip', { size: -1 });
    writes[0]!.release();
    await Promise.all([first, entered, exited]);
    expect(writes).toHaveLength(1);
  });
});
