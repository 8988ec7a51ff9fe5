/**
 * The resident memory of the benchmark's processes (dist/main.js, FerretDB, the Temporal dev
 * server), sampled every 250 ms with a peak per window.
 */
import { rssOf } from '../npm-start.js';
import { mb } from './figures.js';

export const SAMPLE_EVERY_MS = 250;

/** Samples processes' RSS every 250 ms; `reset` starts a new peak window from a fresh sample, which it returns. */
export class MemorySampler {
  private peaks: Record<string, number> = {};
  private sampling: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: Record<string, number>) {
    this.timer = setInterval(() => {
      this.sampling = this.sample();
    }, SAMPLE_EVERY_MS);
  }

  async sample(): Promise<Record<string, number>> {
    const now: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      now[name] = await rssOf(pid);
      this.peaks[name] = Math.max(this.peaks[name] ?? 0, now[name]);
    }
    return now;
  }

  async reset(): Promise<Record<string, number>> {
    await this.sampling;
    this.peaks = {};
    return this.sample();
  }

  /** The peak of the window so far, in MB per process (a last sample included). */
  async peakMb(): Promise<Record<string, number>> {
    await this.sampling;
    await this.sample();
    return Object.fromEntries(Object.entries(this.peaks).map(([name, bytes]) => [name, mb(bytes)]));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const inMb = (sample: Record<string, number>) =>
  Object.fromEntries(Object.entries(sample).map(([name, bytes]) => [name, mb(bytes)]));
