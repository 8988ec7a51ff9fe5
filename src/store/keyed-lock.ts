/**
 * Runs tasks for the same key one at a time (different keys run freely).
 *
 * Why: FerretDB v1 applies an update as a read followed by a separate write, so two
 * concurrent updates of one document can lose one of them (20 parallel `$inc` of a
 * document leave it at 4). MongoDB is atomic per document; FerretDB is not. Serialising
 * this process's writes per profile makes the embedded database safe for one Itinera
 * process; several processes sharing one database need MongoDB (see docs/architecture.md).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    // Forget the key once nothing is queued behind this task, so the map stays small.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
