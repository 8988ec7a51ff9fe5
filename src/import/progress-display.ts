/**
 * Progress of a CLI import on stderr: a cli-progress bar on a terminal, and otherwise (a
 * log file, CI) a plain line now and then, so that logs show progress without a bar's
 * control characters.
 */
import cliProgress from 'cli-progress';
import type { ImportProgress } from './types.js';

/** What the CLI writes to: process.stdout / process.stderr, or a test's capture. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressDisplay {
  update(progress: ImportProgress): void;
  stop(): void;
}

/** How often the plain line appears: whichever comes first. */
export interface PlainProgressInterval {
  rows: number;
  ms: number;
}

export const DEFAULT_PLAIN_INTERVAL: PlainProgressInterval = { rows: 50_000, ms: 5_000 };

export const count = (n: number) => n.toLocaleString('en-US');

export const progressLine = (p: Pick<ImportProgress, 'rows' | 'good' | 'bad'>) =>
  `imported ${count(p.rows)} rows (${count(p.good)} good, ${count(p.bad)} bad)`;

function plainDisplay(output: Output, interval: PlainProgressInterval, now: () => number): ProgressDisplay {
  let lastRows = 0;
  let lastAt = now();
  return {
    update(progress) {
      if (progress.rows - lastRows < interval.rows && now() - lastAt < interval.ms) return;
      if (progress.rows === lastRows) return;
      lastRows = progress.rows;
      lastAt = now();
      output.write(`${progressLine(progress)}\n`);
    },
    stop() {},
  };
}

/** A bar over the file's bytes, the one measure known in advance; rows are shown beside it. */
function barDisplay(output: Output, file: string, totalBytes: number): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream: output as NodeJS.WritableStream,
      format: `${file} [{bar}] {percentage}% | {rows} rows ({good} good, {bad} bad) | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (p: Pick<ImportProgress, 'rows' | 'good' | 'bad'>) => ({ rows: count(p.rows), good: count(p.good), bad: count(p.bad) });
  bar.start(Math.max(totalBytes, 1), 0, payload({ rows: 0, good: 0, bad: 0 }));
  return {
    update(progress) {
      bar.update(Math.min(progress.bytes, totalBytes), payload(progress));
    },
    stop() {
      bar.stop();
    },
  };
}

export function progressDisplay(
  output: Output,
  file: string,
  totalBytes: number,
  interval: PlainProgressInterval = DEFAULT_PLAIN_INTERVAL,
  now: () => number = Date.now,
): ProgressDisplay {
  return output.isTTY === true ? barDisplay(output, file, totalBytes) : plainDisplay(output, interval, now);
}
