/**
 * The journeys benchmark's figures: one drip's (Itinera's or a raw-SDK baseline's) from
 * what the sink saw, and Itinera's beside the baselines with the ratios the targets name.
 */
import { readFileSync } from 'node:fs';
import { percentile, round } from './numbers.js';
import type { CommandFigures, HistoryFigures } from './profile.js';

export { percentile, round } from './numbers.js';

export interface DripFigures {
  people: number;
  /** From the first signup (or start) to the last run let in. */
  allRunsAdmittedSeconds: number;
  runsAdmittedPerSecond: number;
  /** A person's signup acknowledged (or start requested) → their chapter 1 at the sink. */
  eventToFirstEmailMs: { p50: number; p99: number };
  /** Over the whole drip, the waits between chapters included. */
  sendsPerSecond: number;
  /** From the first signup to the last e-mail. */
  dripSeconds: number;
  emails: number;
  /** This process's resident memory before the drip and at its peak (worker included). */
  rssMb: { before: number; peak: number };
  /** Where a run's time went (bench/journeys/profile.ts). */
  profile?: RunProfile;
}

/** CPU ms per run by process, a sample of the runs' histories, and (Itinera's) database commands per run. */
export interface RunProfile {
  cpuMsPerRun: Record<string, number>;
  history: HistoryFigures;
  database?: CommandFigures;
}

export function rssMb(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

/** Samples this process's RSS every second until stopped. */
export function sampleRss(): { before: number; stop(): { before: number; peak: number } } {
  const before = rssMb();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb())), 1000);
  return {
    before,
    stop() {
      clearInterval(timer);
      return { before, peak: Math.max(peak, rssMb()) };
    },
  };
}

/** A drip's figures from when it began, when each person's first e-mail was owed from, and what the sink saw. */
export function dripFigures(input: {
  people: number;
  startedAt: number;
  allAdmittedAt: number;
  owedFrom: (person: number) => number;
  firstChapterAt: (person: number) => number | undefined;
  arrivals: number[];
  rssMb: { before: number; peak: number };
  profile?: RunProfile;
}): DripFigures {
  const { people, startedAt, arrivals } = input;
  const admittedS = (input.allAdmittedAt - startedAt) / 1000;
  const first = Math.min(...arrivals);
  const last = Math.max(...arrivals);
  const latencies = Array.from({ length: people }, (_, i) => input.firstChapterAt(i)! - input.owedFrom(i)).sort((a, b) => a - b);
  return {
    people,
    allRunsAdmittedSeconds: round(admittedS),
    runsAdmittedPerSecond: round(people / admittedS),
    eventToFirstEmailMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) },
    sendsPerSecond: round(arrivals.length / ((last - first) / 1000)),
    dripSeconds: round((last - startedAt) / 1000),
    emails: arrivals.length,
    rssMb: input.rssMb,
    ...(input.profile ? { profile: input.profile } : {}),
  };
}

/** Itinera against the raw-SDK baselines of the same run: the ratios and whether each target is met. */
export function comparison(itinera: DripFigures, regular: DripFigures, local: DripFigures) {
  const bestSends = Math.max(regular.sendsPerSecond, local.sendsPerSecond);
  const bestP99 = Math.min(regular.eventToFirstEmailMs.p99, local.eventToFirstEmailMs.p99);
  const admitted = itinera.runsAdmittedPerSecond / regular.runsAdmittedPerSecond;
  const sends = itinera.sendsPerSecond / bestSends;
  const p99 = itinera.eventToFirstEmailMs.p99 / bestP99;
  return {
    runsAdmittedPerSecond: { ratioToRegularSends: round(admitted, 2), target: '≥ 0.8', met: admitted >= 0.8 },
    sendsPerSecond: { ratioToBestShape: round(sends, 2), target: '≥ 0.8', met: sends >= 0.8 },
    eventToFirstEmailP99: { ratioToBestShape: round(p99, 2), target: '≤ 1.5', met: p99 <= 1.5 },
  };
}
