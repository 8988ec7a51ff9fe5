/**
 * The editor's side of the compile worker: `check(source)` answers the diagnostics of that
 * source. Answers for a source the editor no longer holds are dropped by the caller
 * (@codemirror/lint ignores results for an outdated document).
 */
import type { CompileAnswer, CompileRequest, DataFactsMessage, WorkerReady } from './compile-protocol';

export class CompilerClient {
  private readonly worker = new Worker(new URL('./compile-worker.ts', import.meta.url), { type: 'module', name: 'itn-compiler' });
  private nextId = 1;
  private readonly pending = new Map<number, (answer: CompileAnswer) => void>();
  /**
   * Messages for a worker still loading its modules: Chromium may drop what reaches a module
   * worker before it listens, and a lost first request left the page "Checking…" for good.
   */
  private unsent: (CompileRequest | DataFactsMessage)[] | undefined = [];

  constructor() {
    this.worker.onmessage = (event: MessageEvent<CompileAnswer | WorkerReady>) => {
      if ('ready' in event.data) {
        for (const message of this.unsent ?? []) this.worker.postMessage(message);
        this.unsent = undefined;
        return;
      }
      const answer = event.data;
      // The worker compiles only the newest request: older ones are answered by it too.
      for (const [id, resolve] of this.pending) {
        if (id > answer.id) continue;
        this.pending.delete(id);
        resolve(answer);
      }
    };
  }

  check(source: string): Promise<CompileAnswer> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post({ id, source });
    });
  }

  /** From now on, each check adds the data's warnings. */
  setFacts(facts: DataFactsMessage['facts']): void {
    this.post({ facts });
  }

  private post(message: CompileRequest | DataFactsMessage): void {
    if (this.unsent) this.unsent.push(message);
    else this.worker.postMessage(message);
  }

  close(): void {
    this.worker.terminate();
    this.pending.clear();
  }
}
