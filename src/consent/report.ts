/**
 * For the data protection officer: how many people stand where, per purpose, and the
 * check that every profile's projection is what its ledger says.
 */
import type { ConsentIR } from '../dsl/ir.js';
import { consentState } from '../conditions/predicate.js';
import type { ConsentProjectionState } from '../model.js';
import type { Stores } from '../store/index.js';
import { projectionFromLedger, sameConsentState } from './projection.js';

export interface PurposeTally {
  purpose: string;
  title?: string;
  /** Whether the active rules declare it (a purpose dropped from the rules keeps its records). */
  declared: boolean;
  granted: number;
  denied: number;
  revoked: number;
  expired: number;
  /** Double opt-in requests not confirmed yet. */
  pending: number;
}

/** The state a report shows: a grant whose time has come is `expired`, even before its lifecycle marks it. */
export function reportedState(
  consents: Parameters<typeof consentState>[0],
  purpose: string,
  now: Date,
): ConsentProjectionState | undefined {
  const record = consents?.[purpose];
  if (!record) return undefined;
  const state = consentState(consents, purpose, now);
  return state === 'missing' ? 'expired' : state;
}

/** Per purpose, the people granted, denied, revoked and expired (one pass over the profiles). */
export async function tallyConsents(
  stores: Stores,
  declared: readonly ConsentIR[],
  now: Date,
): Promise<{ profiles: number; purposes: PurposeTally[] }> {
  const tallies = new Map<string, PurposeTally>();
  const tallyOf = (purpose: string) => {
    let tally = tallies.get(purpose);
    if (!tally) {
      const declaration = declared.find((consent) => consent.name === purpose);
      tally = {
        purpose,
        ...(declaration?.title !== undefined ? { title: declaration.title } : {}),
        declared: declaration !== undefined,
        granted: 0,
        denied: 0,
        revoked: 0,
        expired: 0,
        pending: 0,
      };
      tallies.set(purpose, tally);
    }
    return tally;
  };
  for (const consent of declared) tallyOf(consent.name);
  let profiles = 0;
  for await (const profile of stores.profiles.consentsOfAll()) {
    profiles += 1;
    for (const purpose of Object.keys(profile.consents ?? {})) {
      const state = reportedState(profile.consents, purpose, now);
      if (state) tallyOf(purpose)[state] += 1;
    }
  }
  return { profiles, purposes: [...tallies.values()] };
}

export interface ProjectionCheck {
  /** Profiles whose projection was rebuilt from their records and compared. */
  profiles: number;
  records: number;
  /** Profiles whose stored projection differs from the rebuilt one. */
  disagreeing: string[];
  /** Whether the disagreeing ones were set to the rebuilt projection. */
  repaired: boolean;
}

/**
 * Rebuilds every projection from the ledger and compares it with the stored one; with
 * `repair`, sets the rebuilt one where they differ. Profiles whose states were seeded
 * before the ledger existed (no `recordId`) are left alone.
 */
export async function checkProjections(stores: Stores, now: Date, options: { repair?: boolean } = {}): Promise<ProjectionCheck> {
  const check: ProjectionCheck = { profiles: 0, records: 0, disagreeing: [], repaired: options.repair === true };
  for await (const profile of stores.profiles.consentsOfAll()) {
    const stored = profile.consents ?? {};
    if (!profile.consentLog?.length && Object.values(stored).every((state) => state.recordId === undefined)) continue;
    check.profiles += 1;
    const records = await stores.consents.findByIds(profile.consentLog ?? []);
    check.records += records.length;
    const rebuilt = projectionFromLedger(records, now);
    const purposes = new Set([...Object.keys(stored), ...Object.keys(rebuilt)]);
    const agrees = [...purposes].every((purpose) => sameConsentState(stored[purpose], rebuilt[purpose], now));
    if (agrees) continue;
    check.disagreeing.push(profile._id);
    if (options.repair) await stores.profiles.setConsents(profile._id, rebuilt, now);
  }
  return check;
}
