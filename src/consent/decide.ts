/**
 * What consent changes an event makes: the ledger records to write and the profile's new
 * projection. Pure; consent/apply.ts reads the profile and writes the result under the
 * profile's write lock.
 *
 * - Explicit changes (`POST /v1/consents`, an admin, an import) are recorded as given.
 * - `Segment Consent Preference Updated` is the person's act: every purpose whose state it
 *   changes is recorded, and a grant always is (it renews the terms).
 * - Preferences that other messages carry are a client's copy of the state, possibly
 *   stale: they only fill in purposes with no record yet. Otherwise a cookie still saying
 *   "true" would undo an unsubscribe on the next page view.
 * - `false` after a grant (current, expired or revoked since) is a revocation; `false` with
 *   no earlier grant is a denial.
 * - The most recent record per purpose (by when it was given) is the current state; an
 *   older one (an import of last year's consents) joins the ledger without changing it.
 * - Double opt-in (consent/confirmation.ts): the person's grant of a purpose that needs
 *   confirming is recorded `pending`; a pending request to renew a grant that holds leaves
 *   the grant current until it is confirmed; banner preferences never ask again for a
 *   purpose that is granted or pending (each save would mail a confirmation); and a
 *   confirmation records its grant only while its request is still open.
 */
import type { ConsentIR } from '../dsl/ir.js';
import type { ConsentRecord, ConsentRecordState, EventConsent, ProfileDoc } from '../model.js';
import type { ConsentLedgerDoc } from '../store/consents.js';
import { purposesFromPreferences } from './categories.js';
import { confirmationOpen, holdsAt, needsConfirmation } from './confirmation.js';

export interface ConsentEvent {
  eventId: string;
  /** When the person gave it: the event's time, never later than its arrival. */
  at: Date;
  consent: EventConsent;
}

export interface ConsentDecisionInput {
  profileId: string;
  current: ProfileDoc['consents'];
  /** Records already on the profile: an event applied before (a recovery) adds nothing. */
  log: ReadonlySet<string>;
  events: readonly ConsentEvent[];
  /** The consents of the active rules, and that version. */
  consents: readonly ConsentIR[];
  rulesVersion?: number;
  now: Date;
}

export interface ConsentDecision {
  records: ConsentLedgerDoc[];
  projection: ProfileDoc['consents'];
  /** Whether the projection differs from `current`. */
  changed: boolean;
}

/** The id of the record an event writes for a purpose: a repeated event writes none. */
export function consentRecordId(eventId: string, purpose: string): string {
  return `cr:${eventId}:${purpose}`;
}

const hadGrant = (state: ConsentRecord['state'] | undefined) => state === 'granted' || state === 'expired' || state === 'revoked';

/** The changes an event asks for, per purpose, before the current state decides what is recorded. */
function requestedChanges(
  consent: EventConsent,
  consents: readonly ConsentIR[],
): { purpose: string; state?: ConsentRecordState; granted?: boolean }[] {
  const explicit = (consent.changes ?? []).map((change) => ({ purpose: change.purpose, state: change.state }));
  const preferences = consent.categoryPreferences
    ? [...purposesFromPreferences(consent.categoryPreferences, consents)].map(([purpose, granted]) => ({ purpose, granted }))
    : [];
  return [...explicit, ...preferences];
}

/** Every purpose an event's consent speaks of (what dispatch looks at once it is applied). */
export function purposesOf(consent: EventConsent, consents: readonly ConsentIR[]): string[] {
  const purposes = requestedChanges(consent, consents).map((change) => change.purpose);
  if (consent.expire) purposes.push(consent.expire.purpose);
  return [...new Set(purposes)];
}

export function decideConsent(input: ConsentDecisionInput): ConsentDecision {
  const projection: ProfileDoc['consents'] = { ...input.current };
  const records: ConsentLedgerDoc[] = [];
  let changed = false;
  for (const { eventId, at, consent } of input.events) {
    if (consent.expire) {
      const { purpose, recordId } = consent.expire;
      const current = projection[purpose];
      if (current?.recordId === recordId && current.state === 'granted') {
        projection[purpose] = { ...current, state: 'expired' };
        changed = true;
      }
    }
    for (const change of requestedChanges(consent, input.consents)) {
      const id = consentRecordId(eventId, change.purpose);
      if (input.log.has(id) || records.some((record) => record._id === id)) continue;
      const current = projection[change.purpose];
      const declared = input.consents.find((c) => c.name === change.purpose);
      let state: ConsentRecordState;
      if (change.state !== undefined) {
        state = change.state;
      } else {
        if (!consent.preferencesUpdated && current !== undefined) continue;
        state = change.granted ? 'granted' : hadGrant(current?.state) ? 'revoked' : 'denied';
        if (consent.preferencesUpdated && state !== 'granted' && current?.state === state) continue;
        if (state === 'granted' && needsConfirmation(declared, consent.origin)) {
          if (current?.state === 'pending' || holdsAt(current, at)) continue;
          state = 'pending';
        }
      }
      if (consent.confirms && !confirmationOpen(current, consent.confirms.recordId, new Date(consent.confirms.at))) continue;
      const expiresAt =
        state === 'granted' && declared?.expiresAfterMs !== undefined ? new Date(at.getTime() + declared.expiresAfterMs) : undefined;
      const remindAt =
        expiresAt && declared?.remindBeforeMs !== undefined ? new Date(expiresAt.getTime() - declared.remindBeforeMs) : undefined;
      const becomesCurrent =
        (current === undefined || at.getTime() >= new Date(current.at).getTime()) && !(state === 'pending' && holdsAt(current, at));
      const shown = {
        ...(declared?.title !== undefined ? { title: declared.title } : {}),
        ...(input.rulesVersion !== undefined ? { rulesVersion: input.rulesVersion } : {}),
        ...consent.proof.shown,
      };
      const record: ConsentLedgerDoc = {
        _id: id,
        profileId: input.profileId,
        purpose: change.purpose,
        state,
        at,
        recordedAt: input.now,
        ...(expiresAt ? { expiresAt } : {}),
        ...(remindAt ? { remindAt } : {}),
        origin: consent.origin,
        proof: { ...consent.proof, ...(Object.keys(shown).length > 0 ? { shown } : {}) },
        eventId,
        ...(becomesCurrent && current?.recordId !== undefined ? { replaces: current.recordId } : {}),
      };
      records.push(record);
      if (becomesCurrent) {
        projection[change.purpose] = projectionOf(record);
        changed = true;
      }
    }
  }
  return { records, projection, changed };
}

/** The projection a record stands for. */
export function projectionOf(record: Pick<ConsentLedgerDoc, '_id' | 'state' | 'at' | 'expiresAt' | 'remindAt'>): ConsentRecord {
  return {
    state: record.state,
    at: record.at,
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
    ...(record.remindAt ? { remindAt: record.remindAt } : {}),
    recordId: record._id,
  };
}
