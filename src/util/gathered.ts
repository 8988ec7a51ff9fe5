/**
 * Gathers work handed in while earlier work is being written, and writes it together:
 * a "group commit". Alone, an item is written at once; under load, the items that arrive
 * during one write wait for it and go together in the next, so a write's fixed cost (a
 * round trip, a signal, an increment) is paid once for many of them. Each caller's promise
 * settles with the write that carried its items: a failed write fails every caller in it,
 * and each retries as it would have alone.
 */
export class Gathered<T> {
  private readonly waiting: { items: readonly T[]; resolve(): void; reject(error: unknown): void }[] = [];
  private writing = false;

  constructor(private readonly writeAll: (items: T[]) => Promise<void>) {}

  add(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    if (this.writing || this.waiting.length === 0) return;
    this.writing = true;
    const gathered = this.waiting.splice(0);
    try {
      await this.writeAll(gathered.flatMap((waiting) => waiting.items));
      for (const waiting of gathered) waiting.resolve();
    } catch (error) {
      for (const waiting of gathered) waiting.reject(error);
    } finally {
      this.writing = false;
      void this.writeWaiting();
    }
  }
}
