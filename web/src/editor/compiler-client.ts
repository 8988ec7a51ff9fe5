/**
 * The editor's side of the compile worker: `check(source)` answers the diagnostics of that
 * source. Answers for a source the editor no longer holds are dropped by the caller
 * (@codemirror/lint ignores results for an outdated document).
 */
import type { CompileAnswer, DataFactsMessage } from './compile-protocol';

export class CompilerClient {
  private readonly worker = new Worker(new URL('./compile-worker.ts', import.meta.url), { type: 'module', name: 'itn-compiler' });
  private nextId = 1;
  private readonly pending = new Map<number, (answer: CompileAnswer) => void>();

  constructor() {
    this.worker.onmessage = (event: MessageEvent<CompileAnswer>) => {
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
      this.worker.postMessage({ id, source });
    });
  }

  /** From now on, each check adds the data's warnings. */
  setFacts(facts: DataFactsMessage['facts']): void {
    this.worker.postMessage({ facts } satisfies DataFactsMessage);
  }

  close(): void {
    this.worker.terminate();
    this.pending.clear();
  }
}
