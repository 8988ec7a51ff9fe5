/**
 * Hands chunks to `apply` one at a time, overlapping the storing of one chunk with the
 * reading of the next: at most one chunk is being applied and one being collected, which
 * bounds memory whatever the file size and keeps the rows of a file in order.
 */
import type { ApplyMessages, ImportMessage } from './types.js';

export class SerialApplier {
  /** Never rejects: a failure is kept in `failure` so that a pending chunk is not an unhandled rejection. */
  private inFlight: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(private readonly apply: ApplyMessages) {}

  /** Waits for the previous chunk, starts this one and returns without waiting for it. */
  async submit(chunk: ImportMessage[]): Promise<void> {
    await this.inFlight;
    this.throwIfFailed();
    this.inFlight = Promise.resolve()
      .then(() => this.apply(chunk))
      .then(
        () => undefined,
        (error: unknown) => {
          this.failure ??= { error };
        },
      );
  }

  /** Rejects with apply's error as soon as one is known, so the import stops reading. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for the last chunk; rejects if any apply failed. */
  async finish(): Promise<void> {
    await this.inFlight;
    this.throwIfFailed();
  }

  /** Waits for the last chunk, whatever its outcome: an import that failed does not leave an apply running. */
  async settle(): Promise<void> {
    await this.inFlight;
  }
}
