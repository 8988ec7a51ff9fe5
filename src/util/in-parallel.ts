/**
 * Runs `task` on every item, at most `limit` at a time, items taken in order: enough to
 * overlap database or Temporal round trips without flooding either.
 */
export async function forEachInParallel<T>(items: Iterable<T>, limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await task(next);
    }),
  );
}
