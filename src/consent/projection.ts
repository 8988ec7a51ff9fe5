/**
 * The projection rebuilt from the ledger: what the profile's `consents` must say, given
 * the person's records. The stored projection is written from the same decisions; this
 * is the independent check that they agree (`itinera consents verify`).
 */
import type { ConsentRecord, ProfileDoc } from '../model.js';
import type { ConsentLedgerDoc } from '../store/consents.js';
import { projectionOf } from './decide.js';

const time = (value: Date | undefined) => (value === undefined ? undefined : new Date(value).getTime());

/** The state as of `now`: a grant whose `expiresAt` has come is `expired`, marked or not. */
function lapsed(state: ConsentRecord, now: Date): ConsentRecord['state'] {
  return state.state === 'granted' && state.expiresAt !== undefined && time(state.expiresAt)! <= now.getTime() ? 'expired' : state.state;
}

/** Latest record per purpose by when it was given (ties: the later written); a lapsed grant is `expired`. */
export function projectionFromLedger(records: readonly ConsentLedgerDoc[], now: Date): ProfileDoc['consents'] {
  const latest = new Map<string, ConsentLedgerDoc>();
  for (const record of records) {
    const seen = latest.get(record.purpose);
    const later =
      !seen ||
      time(record.at)! > time(seen.at)! ||
      (time(record.at) === time(seen.at) && time(record.recordedAt)! >= time(seen.recordedAt)!);
    if (later) latest.set(record.purpose, record);
  }
  const projection: ProfileDoc['consents'] = {};
  for (const [purpose, record] of latest) {
    const state = projectionOf(record);
    projection[purpose] = { ...state, state: lapsed(state, now) };
  }
  return projection;
}

/**
 * Whether a stored state says what the rebuilt one says. A grant whose time has come but
 * whose lifecycle has not yet marked it (within a second, or while the worker is down)
 * agrees with the rebuilt `expired`: both read as missing.
 */
export function sameConsentState(stored: ConsentRecord | undefined, rebuilt: ConsentRecord | undefined, now: Date): boolean {
  if (!stored || !rebuilt) return stored === rebuilt;
  return (
    lapsed(stored, now) === lapsed(rebuilt, now) &&
    stored.recordId === rebuilt.recordId &&
    time(stored.at) === time(rebuilt.at) &&
    time(stored.expiresAt) === time(rebuilt.expiresAt) &&
    time(stored.remindAt) === time(rebuilt.remindAt)
  );
}
