/**
 * How two profiles of one person become one. Pure, so the strategy is easy to read and
 * test; `identity/merge.ts` does the database work around it.
 *
 * - traits: the more recently updated profile wins each conflicting trait;
 * - tags, groups and identifiers: united;
 * - counters: added up;
 * - consents: per purpose, the most recently given state wins; both ledgers are kept
 *   (`consentLog` lists the records of both);
 * - journeys in progress: both kept; first seen is the earlier, last seen the later;
 * - journey history: per journey, entries added up, the later entry time, both people's
 *   remembered trigger events (so neither a repeated trigger nor `reentry` lets anyone in
 *   twice because of the merge).
 */
import { addToCounter } from './counters.js';
import { REMEMBERED_TRIGGERS, type ConsentRecord, type Counters, type JourneyHistory, type ProfileDoc } from '../model.js';

const union = <T>(a: readonly T[] = [], b: readonly T[] = []): T[] => [...new Set([...a, ...b])];

export function combineCounters(a: Counters = {}, b: Counters = {}): Counters {
  const result: Counters = structuredClone(a);
  for (const [key, counter] of Object.entries(b)) addToCounter(result, key, counter.count, counter.sum);
  return result;
}

function combineConsents(a: Record<string, ConsentRecord>, b: Record<string, ConsentRecord>): Record<string, ConsentRecord> {
  const result = { ...a };
  for (const [purpose, record] of Object.entries(b)) {
    const existing = result[purpose];
    if (!existing || new Date(record.at).getTime() > new Date(existing.at).getTime()) result[purpose] = record;
  }
  return result;
}

function combineJourneyHistories(
  a: Record<string, JourneyHistory> = {},
  b: Record<string, JourneyHistory> = {},
): Record<string, JourneyHistory> {
  const result = { ...a };
  for (const [journey, theirs] of Object.entries(b)) {
    const ours = result[journey];
    result[journey] = !ours
      ? theirs
      : {
          entries: ours.entries + theirs.entries,
          lastEnteredAt: new Date(Math.max(new Date(ours.lastEnteredAt).getTime(), new Date(theirs.lastEnteredAt).getTime())),
          // Twice the usual number: neither person's latest triggers are pushed out by the other's.
          triggerEventIds: union(ours.triggerEventIds, theirs.triggerEventIds).slice(-2 * REMEMBERED_TRIGGERS),
        };
  }
  return result;
}

function combineIdentities(a: ProfileDoc['identities'], b: ProfileDoc['identities']): ProfileDoc['identities'] {
  const result: ProfileDoc['identities'] = { ...a };
  for (const [kind, values] of Object.entries(b)) result[kind] = union(result[kind], values);
  return result;
}

/** The fields to set on `survivor` so it holds everything `absorbed` held. */
export function combineProfiles(survivor: ProfileDoc, absorbed: ProfileDoc, now: Date): Omit<ProfileDoc, '_id' | 'mergedFrom'> {
  const [older, newer] = survivor.updatedAt.getTime() >= absorbed.updatedAt.getTime() ? [absorbed, survivor] : [survivor, absorbed];
  return {
    traits: { ...older.traits, ...newer.traits },
    tags: union(survivor.tags, absorbed.tags),
    identities: combineIdentities(survivor.identities, absorbed.identities),
    consents: combineConsents(survivor.consents ?? {}, absorbed.consents ?? {}),
    consentLog: union(survivor.consentLog, absorbed.consentLog),
    counters: combineCounters(survivor.counters, absorbed.counters),
    groupIds: union(survivor.groupIds, absorbed.groupIds),
    journeys: { ...absorbed.journeys, ...survivor.journeys },
    journeyHistory: combineJourneyHistories(survivor.journeyHistory, absorbed.journeyHistory),
    firstSeenAt: new Date(Math.min(survivor.firstSeenAt.getTime(), absorbed.firstSeenAt.getTime())),
    lastSeenAt: new Date(Math.max(survivor.lastSeenAt.getTime(), absorbed.lastSeenAt.getTime())),
    createdAt: new Date(Math.min(survivor.createdAt.getTime(), absorbed.createdAt.getTime())),
    updatedAt: now,
  };
}
