/**
 * Counters that many writers bump at once (a segment's size, its entries this hour),
 * written one document at a time but without one write per bump.
 *
 * Why: the embedded FerretDB applies the updates of one collection one at a time (that is
 * what makes them atomic: src/infra/ferretdb-patch.ts), each a database write. A counter
 * that every change of a popular segment touches would cap how many changes a second the
 * whole system makes: each waits for all before it, a round trip each. Here, increments
 * that arrive while a write of their document is in flight are summed and written
 * together by the next one. Nothing waits for a timer (the first increment is written
 * at once), and each caller's promise settles once a write that includes its increment has, so an
 * acknowledged increment is stored exactly as before.
 */
export type Increment = Record<string, number>;

type WriteIncrement = (id: string, inc: Increment, set: Record<string, unknown>) => Promise<void>;

interface Pending {
  inc: Increment;
  set: Record<string, unknown>;
  settle: { resolve: () => void; reject: (error: unknown) => void }[];
}

export class MergedIncrements {
  private readonly pending = new Map<string, Pending>();
  private readonly writing = new Set<string>();

  /** `write` stores one merged increment of one document (and the fields to set with it). */
  constructor(private readonly write: WriteIncrement) {}

  add(id: string, inc: Increment, set: Record<string, unknown> = {}): Promise<void> {
    let pending = this.pending.get(id);
    if (!pending) {
      pending = { inc: {}, set: {}, settle: [] };
      this.pending.set(id, pending);
    }
    for (const [field, delta] of Object.entries(inc)) pending.inc[field] = (pending.inc[field] ?? 0) + delta;
    Object.assign(pending.set, set);
    const done = new Promise<void>((resolve, reject) => pending.settle.push({ resolve, reject }));
    if (!this.writing.has(id)) void this.drain(id);
    return done;
  }

  /** Writes the document's merged increments until none are left; one drain per document at a time. */
  private async drain(id: string): Promise<void> {
    this.writing.add(id);
    try {
      for (let next = this.pending.get(id); next; next = this.pending.get(id)) {
        this.pending.delete(id);
        const inc = Object.fromEntries(Object.entries(next.inc).filter(([, delta]) => delta !== 0));
        try {
          // An entry and an exit of one counter in the same write leave it as it was.
          if (Object.keys(inc).length > 0 || Object.keys(next.set).length > 0) await this.write(id, inc, next.set);
          for (const { resolve } of next.settle) resolve();
        } catch (error) {
          for (const { reject } of next.settle) reject(error);
        }
      }
    } finally {
      this.writing.delete(id);
    }
  }
}
