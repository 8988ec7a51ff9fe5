/** A journey's figures summed over its rules versions, when the API does not send the totals. */
import type { JourneySummary, JourneyVersion } from './types';

export const sumOf = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((total, value) => total + value, 0);

export function totals(journey: JourneySummary): { entered: number; running: number; ended: number } {
  const over = (pick: (version: JourneyVersion) => number) => journey.versions.reduce((total, version) => total + pick(version), 0);
  return {
    entered: journey.entered ?? over((version) => version.entered),
    running: journey.running ?? over((version) => version.running),
    ended: journey.ended ?? over((version) => sumOf(version.ended)),
  };
}

/** The active version first, then the newest. */
export const byActiveThenNewest = (a: JourneyVersion, b: JourneyVersion) =>
  Number(b.active) - Number(a.active) || b.rulesVersion - a.rulesVersion;
