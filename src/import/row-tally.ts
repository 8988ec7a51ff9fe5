/** The counts and the first bad rows of an import. */
import type { ImportProgress, RowError } from './types.js';

export class RowTally {
  rows = 0;
  good = 0;
  bad = 0;
  readonly errors: RowError[] = [];

  constructor(private readonly maxReportedErrors: number) {}

  addGood(): void {
    this.rows++;
    this.good++;
  }

  addBad(line: number, reason: string): void {
    this.rows++;
    this.bad++;
    if (this.errors.length < this.maxReportedErrors) this.errors.push({ line, reason });
  }

  progress(bytes: number): ImportProgress {
    return { rows: this.rows, good: this.good, bad: this.bad, bytes };
  }

  get errorsTruncated(): boolean {
    return this.bad > this.errors.length;
  }
}
